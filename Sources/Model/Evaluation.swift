import Foundation
import Linalg

/// Zero-shot evaluation of one environment: argmax of cosine between each image and the
/// environment's class prompts, the cross-entropy of the same logits, and (on request) the
/// unit embeddings of the evaluation images and captions that the contribution scores need.
public struct EvaluationResult: Sendable {
    public var accuracy: Double
    public var loss: Double
    public var imageEmbeddings: Matrix?
    public var captionEmbeddings: Matrix?
    /// The class prompts' unit embeddings the logits were computed against (kept for OOD).
    public var promptEmbeddings: Matrix
}

public func evaluate(model: DualEncoder, images: Matrix, labels: [Int], promptTokens: [Int32],
                     captionTokens: [Int32]? = nil, batchSize: Int = 256) -> EvaluationResult {
    precondition(images.rows == labels.count, "one label per image")
    let (prompts, _) = model.encodeText(promptTokens)
    var correct = 0
    var loss = 0.0
    var embeddings: Matrix? = captionTokens == nil ? nil : Matrix(rows: images.rows, cols: model.embedding)
    let scale = model.logitScale
    var start = 0
    while start < images.rows {
        let end = min(images.rows, start + batchSize)
        let batch = images.gatherRows(Array(start..<end))
        let (v, _) = model.encodeImages(batch)
        if embeddings != nil {
            embeddings!.storage.replaceSubrange((start * v.cols)..<(end * v.cols), with: v.storage)
        }
        scoreBatch(v, prompts: prompts, scale: scale, labels: labels[start..<end], correct: &correct, loss: &loss)
        start = end
    }
    var captions: Matrix?
    if let tokens = captionTokens {
        captions = Matrix(rows: images.rows, cols: model.embedding)
        let l = model.text.maxTokens
        var s = 0
        while s < images.rows {
            let e = min(images.rows, s + batchSize)
            let (u, _) = model.encodeText(Array(tokens[(s * l)..<(e * l)]))
            captions!.storage.replaceSubrange((s * u.cols)..<(e * u.cols), with: u.storage)
            s = e
        }
    }
    return EvaluationResult(accuracy: Double(correct) / Double(images.rows), loss: loss / Double(images.rows),
                            imageEmbeddings: embeddings, captionEmbeddings: captions, promptEmbeddings: prompts)
}

/// Accuracy and cross-entropy of unit image embeddings already computed (by `evaluate` of a
/// model with the same vision tower) against prompt embeddings at logit scale `scale`: the same
/// batches and the same arithmetic as `evaluate`, so the figures are bit for bit those of
/// evaluating a model made of those parts. Shapley attribution scores its coalitions this way
/// instead of re-encoding every image six times.
public func scoreEmbeddings(_ images: Matrix, labels: [Int], prompts: Matrix, scale: Float, batchSize: Int = 256)
    -> (accuracy: Double, loss: Double)
{
    precondition(images.rows == labels.count, "one label per image")
    var correct = 0
    var loss = 0.0
    var start = 0
    while start < images.rows {
        let end = min(images.rows, start + batchSize)
        let v = images.gatherRows(Array(start..<end))
        scoreBatch(v, prompts: prompts, scale: scale, labels: labels[start..<end], correct: &correct, loss: &loss)
        start = end
    }
    return (Double(correct) / Double(images.rows), loss / Double(images.rows))
}

/// One batch's correct predictions and summed negative log-likelihood, added in row order.
func scoreBatch(_ v: Matrix, prompts: Matrix, scale: Float, labels: ArraySlice<Int>, correct: inout Int, loss: inout Double) {
    let k = prompts.rows
    let sim = matmul(v, .none, prompts, .transposed)
    let logp = (scale * sim).logSoftmaxRows()
    let pred = sim.rowArgmax()
    for (i, label) in labels.enumerated() {
        if pred[i] == label { correct += 1 }
        loss -= Double(logp.storage[i * k + label])
    }
}
