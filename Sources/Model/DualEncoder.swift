import Foundation
import Linalg

/// A CLIP-style dual encoder: a vision tower and a text tower, each ending in a projection to
/// the shared embedding, L2-normalised, compared by a learnable logit scale. Every layer has an
/// explicit forward and backward.
public struct DualEncoder: Sendable, Equatable {
    public var description: ModelDescription
    public var vision: VisionTower
    public var text: TextTower
    /// 1 x 1: the log of the logit scale.
    public var logScale: Matrix

    /// A freshly initialised model: the vision tower's weights, then the text tower's, from one
    /// stream keyed by `key`. `vocabularySize` is the bag tower's (its tokenizer's) vocabulary;
    /// `minilm` the pretrained encoder a MiniLM text tower starts from.
    public init(description: ModelDescription, imageSize: Int, vocabularySize: Int, minilm: MiniLM? = nil, key: RandomKey) {
        self.description = description
        var rng = RandomStream(key: key.child("init"))
        vision = VisionTower(description.vision, imageSize: imageSize, embedding: description.embedding, rng: &rng)
        text = TextTower(description.text, vocabularySize: vocabularySize, embedding: description.embedding, minilm: minilm,
                         rng: &rng)
        logScale = Matrix(rows: 1, cols: 1, repeating: description.initialLogScale)
    }

    /// The same shapes, all zero: a gradient accumulator.
    public func zeros() -> DualEncoder {
        var z = self
        z.forEachTensor { _, _, m in m = Matrix(rows: m.rows, cols: m.cols) }
        return z
    }

    /// Every tensor set to zero in place, as `model.zeros()` would make it: a gradient
    /// accumulator reused across steps. Reallocates only when the shapes are not `model`'s.
    public mutating func setZero(like model: DualEncoder) {
        guard hasShapes(of: model) else {
            self = model.zeros()
            return
        }
        // In place: no other reference to these buffers is alive here (the check's copies are gone).
        forEachTensor { _, _, m in m.storage.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
    }

    func hasShapes(of model: DualEncoder) -> Bool {
        let mine = tensors, theirs = model.tensors
        return description == model.description && mine.count == theirs.count
            && zip(mine, theirs).allSatisfy { $0.value.rows == $1.value.rows && $0.value.cols == $1.value.cols }
    }

    public var logitScale: Float { expf(logScale.storage[0]) }

    /// Width of the shared embedding.
    public var embedding: Int { description.embedding }

    /// Visits every parameter tensor in a fixed order (vision, text, logit scale) with its
    /// index and group.
    public mutating func forEachTensor(_ body: (Int, ParameterGroup, inout Matrix) -> Void) {
        forEachNamedTensor { k, _, g, m in body(k, g, &m) }
    }

    /// `forEachTensor` with each tensor's name (`vision.layer0.weight`, `text.token_embedding`,
    /// `logit_scale`, ...), which checkpoints store.
    public mutating func forEachNamedTensor(_ body: (Int, String, ParameterGroup, inout Matrix) -> Void) {
        var k = 0
        vision.forEachTensor { name, m in body(k, name, VisionTower.group, &m); k += 1 }
        text.forEachTensor { name, m in body(k, name, TextTower.group, &m); k += 1 }
        body(k, "logit_scale", .shared, &logScale)
    }

    /// The parameter tensors in `forEachTensor` order, with their groups.
    public var tensors: [(group: ParameterGroup, value: Matrix)] {
        var copy = self
        var out: [(ParameterGroup, Matrix)] = []
        copy.forEachTensor { _, g, m in out.append((g, m)) }
        return out
    }

    /// The parameter tensors with their names, in `forEachTensor` order.
    public var namedTensors: [(name: String, group: ParameterGroup, value: Matrix)] {
        var copy = self
        var out: [(String, ParameterGroup, Matrix)] = []
        copy.forEachNamedTensor { _, n, g, m in out.append((n, g, m)) }
        return out
    }

    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.value.count } }

    /// Keeps the logit scale in CLIP's range after an optimiser step.
    public mutating func clampLogScale() {
        logScale.storage[0] = min(max(logScale.storage[0], 0), description.maxLogScale)
    }

    // MARK: towers

    /// Unit image embeddings of a batch (rows = images, columns = pixels).
    public func encodeImages(_ x: Matrix) -> (embeddings: Matrix, trace: VisionTrace) {
        vision.forward(x)
    }

    public func backwardImages(_ dEmbeddings: Matrix, trace t: VisionTrace, into g: inout DualEncoder) {
        vision.backward(dEmbeddings, trace: t, into: &g.vision)
    }

    /// Unit caption embeddings; `tokens` holds rows of `text.maxTokens` ids.
    public func encodeText(_ tokens: [Int32]) -> (embeddings: Matrix, trace: TextTrace) {
        text.forward(tokens)
    }

    public func backwardText(_ dEmbeddings: Matrix, trace t: TextTrace, into g: inout DualEncoder) {
        text.backward(dEmbeddings, trace: t, into: &g.text)
    }
}
