import Linalg

/// The mean of each sequence's real (unmasked) token rows: sentence-transformers' pooling and
/// a ViT's pooled patch embedding. A sequence with no real token pools to zero.
public enum MeanPooling {
    public static func forward(_ x: Matrix, mask: PaddingMask) -> Matrix {
        precondition(x.rows == mask.rows, "MeanPooling: \(x.rows) rows for a mask of \(mask.rows)")
        let d = x.cols
        var out = Matrix(rows: mask.batch, cols: d)
        for b in 0..<mask.batch {
            let n = mask.count(b)
            guard n > 0 else { continue }
            let inv = 1 / Float(n)
            for i in 0..<mask.length where mask.valid[b * mask.length + i] {
                let base = (b * mask.length + i) * d
                for j in 0..<d { out.storage[b * d + j] += x.storage[base + j] }
            }
            for j in 0..<d { out.storage[b * d + j] *= inv }
        }
        return out
    }

    /// dL/dx: each real token row receives dL/dpooled / count; padded rows receive zero.
    public static func backward(_ dy: Matrix, mask: PaddingMask) -> Matrix {
        precondition(dy.rows == mask.batch, "MeanPooling.backward: \(dy.rows) rows for \(mask.batch) sequences")
        let d = dy.cols
        var dx = Matrix(rows: mask.rows, cols: d)
        for b in 0..<mask.batch {
            let n = mask.count(b)
            guard n > 0 else { continue }
            let inv = 1 / Float(n)
            for i in 0..<mask.length where mask.valid[b * mask.length + i] {
                let base = (b * mask.length + i) * d
                for j in 0..<d { dx.storage[base + j] = dy.storage[b * d + j] * inv }
            }
        }
        return dx
    }
}
