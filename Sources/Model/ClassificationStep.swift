import Foundation
import Linalg

/// One term of a fine-tuning loss: images of one batch classified against a set of class
/// prompts, by cross-entropy to target distributions (one-hot labels, or a previous model's
/// softened predictions for distillation).
public struct ClassificationTerm: Sendable {
    /// Which of the step's image batches the term scores.
    public var imageBatch: Int
    /// Rows of `maxTokens` ids, one row per class prompt.
    public var promptTokens: [Int32]
    /// Rows = images of the batch, columns = prompts; each row sums to 1.
    public var targets: Matrix
    /// Softmax temperature (1 for labels; > 1 softens, as in distillation).
    public var temperature: Float = 1
    /// The term's weight in the total loss. With temperature T the term is scaled by T^2
    /// (Hinton et al.), so its gradient does not shrink as T grows.
    public var weight: Float = 1

    public init(imageBatch: Int, promptTokens: [Int32], targets: Matrix, temperature: Float = 1, weight: Float = 1) {
        self.imageBatch = imageBatch
        self.promptTokens = promptTokens
        self.targets = targets
        self.temperature = temperature
        self.weight = weight
    }
}

/// A CLIP term of a fine-tuning step: the images of one batch against their own captions, by
/// the symmetric InfoNCE of pretraining, scaled by `weight` (λ times the batch's share).
public struct CaptionTerm: Sendable {
    /// Which of the step's image batches the captions describe, row for row.
    public var imageBatch: Int
    /// One row of `maxTokens` ids per image of the batch.
    public var captionTokens: [Int32]
    public var weight: Float

    public init(imageBatch: Int, captionTokens: [Int32], weight: Float) {
        self.imageBatch = imageBatch
        self.captionTokens = captionTokens
        self.weight = weight
    }
}

/// Loss and gradients of a fine-tuning step: each image batch goes through the vision tower
/// once, each term's prompts through the language tower, and gradients of all terms meet in
/// one accumulator.
public func classificationLoss(model: DualEncoder, imageBatches: [Matrix], terms: [ClassificationTerm])
    -> (loss: Double, gradients: DualEncoder)
{
    let r = fineTuningLoss(model: model, imageBatches: imageBatches, terms: terms, captionTerms: [])
    return (r.crossEntropy, r.gradients)
}

/// `classificationLoss` into a gradient accumulator the caller keeps across steps (see
/// `fineTuningLoss(...into:)`).
public func classificationLoss(model: DualEncoder, imageBatches: [Matrix], terms: [ClassificationTerm],
                               frozen: Set<ParameterGroup> = [], into g: inout DualEncoder) -> Double {
    fineTuningLoss(model: model, imageBatches: imageBatches, terms: terms, captionTerms: [], frozen: frozen, into: &g).crossEntropy
}

/// The step's cross-entropy terms and CLIP terms together: each image batch is encoded once and
/// its backward runs once, on the sum of what every term sends back to its embeddings (a CLIP
/// term costs its captions' text-tower pass, not a second image pass). `clip` is Σ InfoNCE
/// unweighted by `weight`; gradients are of crossEntropy + Σ weight · InfoNCE. With no caption
/// terms the arithmetic is exactly that of the cross-entropy alone.
public func fineTuningLoss(model: DualEncoder, imageBatches: [Matrix], terms: [ClassificationTerm], captionTerms: [CaptionTerm])
    -> (crossEntropy: Double, clip: [Double], gradients: DualEncoder)
{
    var g = model.zeros()
    let r = fineTuningLoss(model: model, imageBatches: imageBatches, terms: terms, captionTerms: captionTerms, into: &g)
    return (r.crossEntropy, r.clip, g)
}

/// `fineTuningLoss` into `g`, a gradient accumulator of the model's shapes that the caller keeps
/// across steps: it is zeroed in place (the same zeros `model.zeros()` makes) instead of
/// allocating and faulting in a fresh model-sized tensor set every step. The backward of a tower
/// in `frozen` is skipped and its gradients stay zero: the optimiser neither reads nor moves a
/// frozen group (its norm excludes them too), and the towers' backwards touch disjoint
/// gradients, so every other gradient is bit for bit what the full backward gives.
public func fineTuningLoss(model: DualEncoder, imageBatches: [Matrix], terms: [ClassificationTerm], captionTerms: [CaptionTerm],
                           frozen: Set<ParameterGroup> = [], into g: inout DualEncoder) -> (crossEntropy: Double, clip: [Double])
{
    g.setZero(like: model)
    let textFrozen = frozen.contains(TextTower.group), visionFrozen = frozen.contains(VisionTower.group)
    let t = model.logScale.storage[0]
    let encoded = imageBatches.map { model.encodeImages($0) }
    var dImages = encoded.map { Matrix(rows: $0.embeddings.rows, cols: $0.embeddings.cols) }
    var loss = 0.0
    var dt: Float = 0
    for term in terms {
        let v = encoded[term.imageBatch].embeddings
        let (p, ptrace) = model.encodeText(term.promptTokens)
        var (logits, sim) = ScaledSimilarity.forward(v, p, logScale: t)
        let temp = term.temperature
        if temp != 1 { logits.scale(by: 1 / temp) }
        var (l, dz) = softCrossEntropy(logits: logits, targets: term.targets)
        loss += Double(term.weight * temp * temp) * l
        dz.scale(by: term.weight * temp)  // d(w T^2 CE(z / T))/dz = w T dCE
        let (dv, dp, dts) = ScaledSimilarity.backward(dz, v, p, similarity: sim, logScale: t)
        dImages[term.imageBatch].add(dv)
        dt += dts
        if !textFrozen { model.backwardText(dp, trace: ptrace, into: &g) }
    }
    var clip: [Double] = []
    for term in captionTerms {
        let (u, utrace) = model.encodeText(term.captionTokens)
        var r = contrastiveLoss(images: encoded[term.imageBatch].embeddings, captions: u, logScale: t)
        clip.append(r.loss)
        r.dImages.scale(by: term.weight)
        r.dCaptions.scale(by: term.weight)
        dImages[term.imageBatch].add(r.dImages)
        dt += term.weight * r.dLogScale
        if !textFrozen { model.backwardText(r.dCaptions, trace: utrace, into: &g) }
    }
    if !visionFrozen {
        for (i, e) in encoded.enumerated() { model.backwardImages(dImages[i], trace: e.trace, into: &g) }
    }
    g.logScale.storage[0] += dt
    return (loss, clip)
}

/// Loss and gradients of a pretraining step (symmetric InfoNCE over a batch of pairs).
public func contrastiveStep(model: DualEncoder, images: Matrix, captionTokens: [Int32]) -> (loss: Double, gradients: DualEncoder) {
    var g = model.zeros()
    let (v, vt) = model.encodeImages(images)
    let (u, ut) = model.encodeText(captionTokens)
    let r = contrastiveLoss(images: v, captions: u, logScale: model.logScale.storage[0])
    model.backwardImages(r.dImages, trace: vt, into: &g)
    model.backwardText(r.dCaptions, trace: ut, into: &g)
    g.logScale.storage[0] += r.dLogScale
    return (r.loss, g)
}
