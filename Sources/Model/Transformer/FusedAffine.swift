import Linalg

extension Linear {
    /// x W + b with the bias written into the output first and the gemm accumulating onto it
    /// (beta = 1): one pass over the output fewer than `forward`'s zero-fill and bias add.
    /// The transformer layers use it for every projection.
    func applied(to x: Matrix) -> Matrix {
        let n = weight.cols, rows = x.rows
        let storage = [Float](unsafeUninitializedCapacity: rows * n) { out, count in
            bias.storage.withUnsafeBufferPointer { b in
                guard n > 0 else { return }
                for r in 0..<rows { (out.baseAddress! + r * n).initialize(from: b.baseAddress!, count: n) }
            }
            count = rows * n
        }
        var y = Matrix(rows: rows, cols: n, storage: storage)
        gemm(x, weight, into: &y, beta: 1)
        return y
    }
}
