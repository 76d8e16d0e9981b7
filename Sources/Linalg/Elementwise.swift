/// Element-wise arithmetic. Plain loops: the compiler vectorises them and they stay readable.
extension Matrix {
    private func checkSameShape(_ other: Matrix, _ op: String) {
        precondition(rows == other.rows && cols == other.cols,
                     "\(op): shapes \(rows)x\(cols) and \(other.rows)x\(other.cols) differ")
    }

    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        var out = lhs; out.add(rhs); return out
    }
    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        var out = lhs; out.add(rhs, scale: -1); return out
    }
    public static func * (lhs: Float, rhs: Matrix) -> Matrix {
        var out = rhs; out.scale(by: lhs); return out
    }

    /// self += scale * other (axpy).
    public mutating func add(_ other: Matrix, scale: Float = 1) {
        checkSameShape(other, "add")
        other.storage.withUnsafeBufferPointer { o in
            storage.withUnsafeMutableBufferPointer { s in
                for i in 0..<s.count { s[i] += scale * o[i] }
            }
        }
    }

    /// Hadamard product, in place.
    public mutating func multiply(by other: Matrix) {
        checkSameShape(other, "multiply")
        other.storage.withUnsafeBufferPointer { o in
            storage.withUnsafeMutableBufferPointer { s in
                for i in 0..<s.count { s[i] *= o[i] }
            }
        }
    }

    public mutating func scale(by factor: Float) {
        storage.withUnsafeMutableBufferPointer { s in
            for i in 0..<s.count { s[i] *= factor }
        }
    }

    /// Adds `bias` (length cols) to every row: the affine layer's broadcast.
    public mutating func addRowVector(_ bias: [Float]) {
        precondition(bias.count == cols, "addRowVector: \(bias.count) values for \(cols) columns")
        bias.withUnsafeBufferPointer { b in
            storage.withUnsafeMutableBufferPointer { s in
                for i in 0..<rows {
                    let base = i * cols
                    for j in 0..<cols { s[base + j] += b[j] }
                }
            }
        }
    }

    public func map(_ f: (Float) -> Float) -> Matrix {
        Matrix(rows: rows, cols: cols, storage: storage.map(f))
    }

    /// Largest absolute element-wise difference; for tests and checks.
    public func maxAbsDifference(_ other: Matrix) -> Float {
        checkSameShape(other, "maxAbsDifference")
        var m: Float = 0
        for i in 0..<count { m = Swift.max(m, abs(storage[i] - other.storage[i])) }
        return m
    }

    /// True when every element is finite (no NaN, no infinity).
    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }
}
