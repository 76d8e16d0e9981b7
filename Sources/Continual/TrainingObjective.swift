import Linalg
import Model

/// The fine-tuning objective of the paper (DESIGN.md section 10): L = CE + λ·L_CLIP, with CE the
/// classification loss against the environment's class prompts and L_CLIP the symmetric InfoNCE
/// over the step's own image-caption pairs. λ is `clip_weight`, a parameter every built-in method
/// accepts; at 0 (the default) the CLIP term is never computed, so training is exactly as before.
public struct TrainingObjective: Sendable, Equatable {
    public var clipWeight: Float

    public static let parameter = MethodParameter(
        "clip_weight", default: 0, range: 0...1e6,
        help: "λ of the objective CE + λ·CLIP: weight of the symmetric InfoNCE over the step's image-caption pairs (0: cross-entropy only)")

    public init(clipWeight: Float = 0) { self.clipWeight = clipWeight }
    public init(validated p: [String: Double]) { clipWeight = Float(p[Self.parameter.name] ?? 0) }

    /// One step's image-caption pairs for the CLIP term, weighted like their classification term.
    public struct Pairs: Sendable {
        /// The step's image batch the captions describe, row for row.
        public var imageBatch: Int
        public var captionTokens: [Int32]
        public var weight: Float
        public init(imageBatch: Int, captionTokens: [Int32], weight: Float) {
            self.imageBatch = imageBatch; self.captionTokens = captionTokens; self.weight = weight
        }
    }

    /// Loss and gradients of one step: CE over `terms`, plus λ·Σ w·InfoNCE over `pairs` when λ > 0.
    /// Both terms share one image-tower pass per batch (`fineTuningLoss`).
    public func lossAndGradients(model: DualEncoder, imageBatches: [Matrix], terms: [ClassificationTerm], pairs: [Pairs])
        -> (loss: Double, crossEntropy: Double, clip: Double, gradients: DualEncoder)
    {
        guard clipWeight > 0 else {
            let (ce, g) = classificationLoss(model: model, imageBatches: imageBatches, terms: terms)
            return (ce, ce, 0, g)
        }
        let captionTerms = pairs.map { CaptionTerm(imageBatch: $0.imageBatch, captionTokens: $0.captionTokens, weight: clipWeight * $0.weight) }
        let r = fineTuningLoss(model: model, imageBatches: imageBatches, terms: terms, captionTerms: captionTerms)
        let clip = zip(pairs, r.clip).reduce(0.0) { $0 + Double($1.0.weight) * $1.1 }
        return (r.crossEntropy + Double(clipWeight) * clip, r.crossEntropy, clip, r.gradients)
    }

    /// The same step into `g`, an accumulator kept across steps; towers in `frozen` skip their
    /// backward (`fineTuningLoss(...into:)`).
    public func lossAndGradients(model: DualEncoder, imageBatches: [Matrix], terms: [ClassificationTerm], pairs: [Pairs],
                                 frozen: Set<ParameterGroup>, into g: inout DualEncoder) -> (loss: Double, crossEntropy: Double, clip: Double)
    {
        let captionTerms = clipWeight > 0
            ? pairs.map { CaptionTerm(imageBatch: $0.imageBatch, captionTokens: $0.captionTokens, weight: clipWeight * $0.weight) } : []
        let r = fineTuningLoss(model: model, imageBatches: imageBatches, terms: terms, captionTerms: captionTerms, frozen: frozen, into: &g)
        guard clipWeight > 0 else { return (r.crossEntropy, r.crossEntropy, 0) }
        let clip = zip(pairs, r.clip).reduce(0.0) { $0 + Double($1.0.weight) * $1.1 }
        return (r.crossEntropy + Double(clipWeight) * clip, r.crossEntropy, clip)
    }
}

extension ContinualMethod {
    /// The method's own parameters and those every built-in method accepts (the objective's λ).
    public static var declaredParameters: [MethodParameter] { parameters + [TrainingObjective.parameter] }
}
