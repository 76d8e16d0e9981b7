import Foundation
import Linalg

/// The size of the dual encoder and its inputs.
public struct ModelConfig: Codable, Hashable, Sendable {
    public var imageSize: Int = 24
    public var visionHidden: [Int] = [256, 256]
    public var textWidth: Int = 64
    public var textHidden: [Int] = [256]
    public var embedding: Int = 64
    public var vocabularySize: Int
    public var maxTokens: Int = 16
    /// CLIP initialises the log logit scale at ln(1 / 0.07) and clamps it at ln 100.
    public var initialLogScale: Float = logf(1 / 0.07)
    public var maxLogScale: Float = logf(100)

    public init(vocabularySize: Int) { self.vocabularySize = vocabularySize }

    public var imageInputs: Int { imageSize * imageSize * 3 }
}

/// Which part of the model a parameter belongs to. (Analysis keeps its own player indices
/// for Shapley values; the harness maps vision, language, shared onto 0, 1, 2.)
public enum ParameterGroup: Int, CaseIterable, Codable, Sendable {
    case vision = 0, language = 1, shared = 2

    public var name: String { ["vision", "language", "shared"][rawValue] }
}

/// A CLIP-style dual encoder: an MLP vision tower and a bag-of-positioned-tokens language
/// tower, each ending in a projection to the shared embedding, L2-normalised, compared by a
/// learnable logit scale. Every layer has an explicit forward and backward.
public struct DualEncoder: Sendable, Equatable {
    public var config: ModelConfig
    public var vision: [Linear]
    public var tokenEmbedding: Matrix
    public var positionEmbedding: Matrix
    public var language: [Linear]
    /// 1 x 1: the log of the logit scale.
    public var logScale: Matrix

    public init(config: ModelConfig, key: RandomKey) {
        self.config = config
        var rng = RandomStream(key: key.child("init"))
        var v: [Linear] = []
        var width = config.imageInputs
        for h in config.visionHidden + [config.embedding] {
            v.append(Linear(inputs: width, outputs: h, rng: &rng))
            width = h
        }
        vision = v
        tokenEmbedding = rng.normalMatrix(rows: config.vocabularySize, cols: config.textWidth, std: 0.5)
        positionEmbedding = rng.normalMatrix(rows: config.maxTokens, cols: config.textWidth, std: 0.1)
        var l: [Linear] = []
        width = config.textWidth
        for h in config.textHidden + [config.embedding] {
            l.append(Linear(inputs: width, outputs: h, rng: &rng))
            width = h
        }
        language = l
        logScale = Matrix(rows: 1, cols: 1, repeating: config.initialLogScale)
    }

    /// The same shapes, all zero: a gradient accumulator.
    public func zeros() -> DualEncoder {
        var z = self
        z.forEachTensor { _, _, m in m = Matrix(rows: m.rows, cols: m.cols) }
        return z
    }

    public var logitScale: Float { expf(logScale.storage[0]) }

    /// Visits every parameter tensor in a fixed order with its index and group.
    public mutating func forEachTensor(_ body: (Int, ParameterGroup, inout Matrix) -> Void) {
        var k = 0
        for i in vision.indices {
            body(k, .vision, &vision[i].weight); body(k + 1, .vision, &vision[i].bias); k += 2
        }
        body(k, .language, &tokenEmbedding); body(k + 1, .language, &positionEmbedding); k += 2
        for i in language.indices {
            body(k, .language, &language[i].weight); body(k + 1, .language, &language[i].bias); k += 2
        }
        body(k, .shared, &logScale)
    }

    /// The parameter tensors in `forEachTensor` order, with their groups.
    public var tensors: [(group: ParameterGroup, value: Matrix)] {
        var copy = self
        var out: [(ParameterGroup, Matrix)] = []
        copy.forEachTensor { _, g, m in out.append((g, m)) }
        return out
    }

    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.value.count } }

    /// Keeps the logit scale in CLIP's range after an optimiser step.
    public mutating func clampLogScale() {
        logScale.storage[0] = min(max(logScale.storage[0], 0), config.maxLogScale)
    }

    // MARK: vision tower

    /// Unit image embeddings of a batch (rows = images, columns = pixels).
    public func encodeImages(_ x: Matrix) -> (embeddings: Matrix, trace: TowerTrace) {
        Tower.forward(vision, x)
    }

    public func backwardImages(_ dEmbeddings: Matrix, trace t: TowerTrace, into g: inout DualEncoder) {
        _ = Tower.backward(vision, dEmbeddings, trace: t, grads: &g.vision, needInputGradient: false)
    }

    // MARK: language tower

    public struct LanguageTrace: Sendable {
        var tokens: [Int32]
        var tower: TowerTrace
    }

    /// Unit caption embeddings; `tokens` holds rows of `config.maxTokens` ids.
    public func encodeText(_ tokens: [Int32]) -> (embeddings: Matrix, trace: LanguageTrace) {
        precondition(tokens.count % config.maxTokens == 0, "token rows must have maxTokens ids")
        let pooled = TokenPooling.forward(tokens: tokens, length: config.maxTokens, tokenEmbedding: tokenEmbedding,
                                          positionEmbedding: positionEmbedding)
        let (y, trace) = Tower.forward(language, pooled)
        return (y, LanguageTrace(tokens: tokens, tower: trace))
    }

    public func backwardText(_ dEmbeddings: Matrix, trace t: LanguageTrace, into g: inout DualEncoder) {
        let d = Tower.backward(language, dEmbeddings, trace: t.tower, grads: &g.language, needInputGradient: true)!
        TokenPooling.backward(d, tokens: t.tokens, length: config.maxTokens,
                              tokenGrad: &g.tokenEmbedding, positionGrad: &g.positionEmbedding)
    }
}
