import Foundation
import Linalg

/// Maximum Concept Matching (Ming et al. 2022), the OOD score the paper reports: for an image
/// embedding x and the in-distribution class prompts p_1..p_C, max_c softmax_c(cos(x, p_c) / τ).
/// High when the image matches one prompt much better than the others (in-distribution), near
/// 1/C when it matches none in particular.
public enum MCMScore {
    /// One score per row of `images` against the rows of `prompts`; rows need not be unit length
    /// (cosines are taken). τ > 0 (the suite parser rejects others with their location).
    public static func scores(images: Matrix, prompts: Matrix, temperature: Double = 1) -> [Double] {
        precondition(temperature > 0 && temperature.isFinite, "MCM temperature must be positive and finite")
        precondition(images.cols == prompts.cols && prompts.rows >= 1, "images and prompts share one embedding width")
        let p = unitRows(prompts)
        var out = [Double](repeating: 0, count: images.rows)
        var logits = [Double](repeating: 0, count: prompts.rows)
        for i in 0..<images.rows {
            var norm = 0.0
            for c in 0..<images.cols { norm += Double(images[i, c]) * Double(images[i, c]) }
            let inv = norm > 0 ? 1 / norm.squareRoot() : 0
            for k in 0..<prompts.rows {
                var s = 0.0
                for c in 0..<images.cols { s += Double(images[i, c]) * p[k][c] }
                logits[k] = s * inv / temperature
            }
            out[i] = maxSoftmax(logits)
        }
        return out
    }

    /// max_c softmax_c(z) = 1 / Σ_c exp(z_c - max z), stable for any range of z.
    public static func maxSoftmax(_ z: [Double]) -> Double {
        precondition(!z.isEmpty, "softmax of nothing")
        let m = z.max()!
        var s = 0.0
        for v in z { s += exp(v - m) }
        return 1 / s
    }

    static func unitRows(_ m: Matrix) -> [[Double]] {
        (0..<m.rows).map { k in
            let row = (0..<m.cols).map { Double(m[k, $0]) }
            let n = row.map { $0 * $0 }.reduce(0, +).squareRoot()
            return n > 0 ? row.map { $0 / n } : row
        }
    }
}
