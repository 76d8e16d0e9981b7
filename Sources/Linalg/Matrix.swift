/// A dense row-major matrix of Float32: element (i, j) lives at `storage[i * cols + j]`.
///
/// A value type on top of `[Float]`, so copies are cheap until written. Every kernel in this
/// module takes and returns `Matrix`; nothing hides a layout or a stride.
public struct Matrix: Equatable, Sendable {
    public private(set) var rows: Int
    public private(set) var cols: Int
    public var storage: [Float]

    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix: negative shape \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = [Float](repeating: value, count: rows * cols)
    }

    public init(rows: Int, cols: Int, storage: [Float]) {
        precondition(storage.count == rows * cols,
                     "Matrix: \(storage.count) values do not fill \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// Builds a matrix from nested rows; all rows must have the same length.
    public init(_ nested: [[Float]]) {
        let r = nested.count
        let c = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == c }, "Matrix: ragged rows")
        self.init(rows: r, cols: c, storage: nested.flatMap { $0 })
    }

    public var count: Int { rows * cols }
    public var shape: (rows: Int, cols: Int) { (rows, cols) }

    public subscript(i: Int, j: Int) -> Float {
        get { storage[i * cols + j] }
        set { storage[i * cols + j] = newValue }
    }

    /// Row `i` as a fresh array.
    public func row(_ i: Int) -> [Float] {
        Array(storage[(i * cols)..<((i + 1) * cols)])
    }

    public mutating func setRow(_ i: Int, _ values: [Float]) {
        precondition(values.count == cols, "setRow: \(values.count) values for \(cols) columns")
        storage.replaceSubrange((i * cols)..<((i + 1) * cols), with: values)
    }

    /// Rows `indices` gathered into a new matrix (a mini-batch, an evaluation subset).
    public func gatherRows(_ indices: [Int]) -> Matrix {
        var out = Matrix(rows: indices.count, cols: cols)
        storage.withUnsafeBufferPointer { src in
            out.storage.withUnsafeMutableBufferPointer { dst in
                guard cols > 0, let from = src.baseAddress, let to = dst.baseAddress else { return }
                for (r, i) in indices.enumerated() {
                    precondition(i >= 0 && i < rows, "gatherRows: row \(i) out of 0..<\(rows)")
                    (to + r * cols).update(from: from + i * cols, count: cols)  // one memcpy per row
                }
            }
        }
        return out
    }

    /// The transpose as a new matrix (for tests and small shapes; gemm transposes for free).
    public func transposed() -> Matrix {
        var out = Matrix(rows: cols, cols: rows)
        for i in 0..<rows { for j in 0..<cols { out.storage[j * rows + i] = storage[i * cols + j] } }
        return out
    }

    /// Changes the shape without moving data; the element count must not change.
    public mutating func reshape(rows newRows: Int, cols newCols: Int) {
        precondition(newRows * newCols == count, "reshape: \(rows)x\(cols) cannot become \(newRows)x\(newCols)")
        rows = newRows
        cols = newCols
    }

    public static func zeros(_ rows: Int, _ cols: Int) -> Matrix { Matrix(rows: rows, cols: cols) }
}
