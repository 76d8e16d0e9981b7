import Analysis
import Foundation

/// The regime indicator of DESIGN.md section 10: the four contribution scores over the ordered
/// pairs of trained environments under the pretrained model, and their standard deviations
/// (σ_X of the cross-modal score tells a COCO-like high-variance world from a CUB-like one).
public struct PretrainedRegime: Sendable {
    /// Ordered pairs (a, b), a != b, of trained environments, with Con_I→I, Con_T→T, Con_I→T(a, b).
    public var pairs: [(a: String, b: String, vision: Double, language: Double, cross: Double)]
    /// Zero-shot accuracy of the pretrained model on every environment, and chance (1 / classes).
    public var zeroShot: [(environment: String, accuracy: Double, chance: Double)]

    /// Population standard deviation over the ordered pairs.
    public static func sigma(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let m = x.reduce(0, +) / Double(x.count)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count)).squareRoot()
    }

    public var sigmaVision: Double { Self.sigma(pairs.map(\.vision)) }
    public var sigmaLanguage: Double { Self.sigma(pairs.map(\.language)) }
    /// Over ordered pairs, so Con_I→T(a, b) and Con_T→I(a, b) = Con_I→T(b, a) are both in it.
    public var sigmaCross: Double { Self.sigma(pairs.map(\.cross)) }
}

extension PreparedWorld {
    /// The scores and zero-shot accuracies of the pretrained model (row 0 of every cell).
    public var pretrainedRegime: PretrainedRegime {
        let trained = trainedEnvironments
        var pairs: [(a: String, b: String, vision: Double, language: Double, cross: Double)] = []
        for a in trained {
            for b in trained where a != b {
                let p = pairScores(baseline.summaries[a], baseline.summaries[b])
                pairs.append((data.names[a], data.names[b], p.vision, p.language, p.crossAB))
            }
        }
        let zs = data.names.indices.map { e in
            (data.names[e], baseline.accuracy[e], 1 / Double(data.training[e].classCount))
        }
        return PretrainedRegime(pairs: pairs, zeroShot: zs)
    }
}
