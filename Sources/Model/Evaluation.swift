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
    let k = prompts.rows
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
        let sim = matmul(v, .none, prompts, .transposed)
        let logp = (scale * sim).logSoftmaxRows()
        let pred = sim.rowArgmax()
        for i in 0..<(end - start) {
            if pred[i] == labels[start + i] { correct += 1 }
            loss -= Double(logp.storage[i * k + labels[start + i]])
        }
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
