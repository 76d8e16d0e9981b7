import CBLAS

/// Whether an operand of `gemm` is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// C = alpha * op(A) * op(B) + beta * C through `cblas_sgemm`, all operands row-major.
///
/// `beta = 1` accumulates into C, which backward passes use to sum gradients without a temporary.
/// Shapes are checked here so a mistake fails with a message, not inside BLAS.
public func gemm(_ a: Matrix, _ transA: Transpose = .none,
                 _ b: Matrix, _ transB: Transpose = .none,
                 into c: inout Matrix, alpha: Float = 1, beta: Float = 0) {
    let m = transA == .none ? a.rows : a.cols
    let k = transA == .none ? a.cols : a.rows
    let kb = transB == .none ? b.rows : b.cols
    let n = transB == .none ? b.cols : b.rows
    precondition(k == kb, "gemm: inner dimensions differ (\(k) vs \(kb))")
    precondition(c.rows == m && c.cols == n, "gemm: C is \(c.rows)x\(c.cols), expected \(m)x\(n)")
    if m == 0 || n == 0 { return }
    if k == 0 {
        // BLAS leaves C scaled by beta when k = 0; do the same explicitly.
        for i in c.storage.indices { c.storage[i] = beta == 0 ? 0 : beta * c.storage[i] }
        return
    }
    let lda = Int32(max(a.cols, 1)), ldb = Int32(max(b.cols, 1)), ldc = Int32(max(c.cols, 1))
    a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
            c.storage.withUnsafeMutableBufferPointer { pc in
                cblas_sgemm(CblasRowMajor, transA.cblas, transB.cblas,
                            Int32(m), Int32(n), Int32(k), alpha,
                            pa.baseAddress, lda, pb.baseAddress, ldb,
                            beta, pc.baseAddress, ldc)
            }
        }
    }
}

/// op(A) * op(B) as a new matrix.
public func matmul(_ a: Matrix, _ transA: Transpose = .none,
                   _ b: Matrix, _ transB: Transpose = .none) -> Matrix {
    let m = transA == .none ? a.rows : a.cols
    let n = transB == .none ? b.cols : b.rows
    var c = Matrix(rows: m, cols: n)
    gemm(a, transA, b, transB, into: &c)
    return c
}

/// C = alpha * A * B + beta * C.
public func gemm(_ a: Matrix, _ b: Matrix, into c: inout Matrix, alpha: Float = 1, beta: Float = 0) {
    gemm(a, .none, b, .none, into: &c, alpha: alpha, beta: beta)
}

/// A * B as a new matrix.
public func matmul(_ a: Matrix, _ b: Matrix) -> Matrix { matmul(a, .none, b, .none) }
