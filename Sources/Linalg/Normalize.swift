import Foundation

/// L2 normalisation of rows, as a dual encoder does before taking cosines.
extension Matrix {
    /// Each row divided by its Euclidean norm (plus `epsilon` inside the square root so a zero
    /// row stays finite). Returns the normalised matrix and the norms, which the backward pass needs.
    public func l2NormalizedRows(epsilon: Float = 1e-12) -> (normalized: Matrix, norms: [Float]) {
        var out = self
        var norms = [Float](repeating: 0, count: rows)
        for i in 0..<rows {
            let base = i * cols
            var s: Float = 0
            for j in 0..<cols { s += storage[base + j] * storage[base + j] }
            let n = (s + epsilon).squareRoot()
            norms[i] = n
            let inv = 1 / n
            for j in 0..<cols { out.storage[base + j] *= inv }
        }
        return (out, norms)
    }
}
