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

/// Loss and gradients of a fine-tuning step: each image batch goes through the vision tower
/// once, each term's prompts through the language tower, and gradients of all terms meet in
/// one accumulator.
public func classificationLoss(model: DualEncoder, imageBatches: [Matrix], terms: [ClassificationTerm])
    -> (loss: Double, gradients: DualEncoder)
{
    var g = model.zeros()
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
        model.backwardText(dp, trace: ptrace, into: &g)
    }
    for (i, e) in encoded.enumerated() { model.backwardImages(dImages[i], trace: e.trace, into: &g) }
    g.logScale.storage[0] += dt
    return (loss, g)
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
