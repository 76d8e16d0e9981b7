import Linalg

/// The language tower's input: the mean over a caption's non-padding positions of
/// (token embedding + position embedding). Order enters through the position embeddings.
public enum TokenPooling {
    /// `tokens` holds rows of `length` ids; 0 is padding. A caption of only padding pools to zero.
    public static func forward(tokens: [Int32], length: Int, tokenEmbedding e: Matrix, positionEmbedding p: Matrix) -> Matrix {
        let b = tokens.count / length, d = e.cols
        var out = Matrix(rows: b, cols: d)
        for r in 0..<b {
            var count = 0
            for l in 0..<length {
                let t = Int(tokens[r * length + l])
                if t == 0 { continue }
                count += 1
                for j in 0..<d { out.storage[r * d + j] += e.storage[t * d + j] + p.storage[l * d + j] }
            }
            if count > 1 {
                let inv = 1 / Float(count)
                for j in 0..<d { out.storage[r * d + j] *= inv }
            }
        }
        return out
    }

    /// Scatters dL/dpooled back into the embedding gradients.
    public static func backward(_ dy: Matrix, tokens: [Int32], length: Int, tokenGrad: inout Matrix, positionGrad: inout Matrix) {
        let d = dy.cols
        for r in 0..<dy.rows {
            var count = 0
            for l in 0..<length where tokens[r * length + l] != 0 { count += 1 }
            guard count > 0 else { continue }
            let inv = 1 / Float(count)
            for l in 0..<length {
                let t = Int(tokens[r * length + l])
                if t == 0 { continue }
                for j in 0..<d {
                    let g = dy.storage[r * d + j] * inv
                    tokenGrad.storage[t * d + j] += g
                    positionGrad.storage[l * d + j] += g
                }
            }
        }
    }
}
