import Foundation
import Linalg

/// sentence-transformers/all-MiniLM-L6-v2: a BERT encoder (6 post-norm layers, width 384,
/// 12 heads, feed-forward 1536, 512 positions, uncased WordPiece of 30,522 tokens), whose
/// sentence embedding is the mean of the last layer's token states over the real tokens,
/// L2-normalised. Written on the transformer layers, so every layer has a backward pass and
/// the last k layers can be tuned (`forwardLayers` / `backwardLayers`).
public struct MiniLM: Sendable, Equatable, NamedParameters {
    public struct Config: Sendable, Equatable, Codable {
        public var vocabularySize = 30522
        public var width = 384
        public var layers = 6
        public var heads = 12
        public var hidden = 1536
        public var maxPositions = 512
        public var typeVocabularySize = 2
        public var epsilon: Float = 1e-12
        public init() {}
    }

    public let config: Config
    public var wordEmbedding: Matrix       // vocabulary x width
    public var positionEmbedding: Matrix   // maxPositions x width
    public var tokenTypeEmbedding: Matrix  // typeVocabularySize x width (clvbench uses type 0)
    public var embeddingNorm: LayerNorm
    public var layers: [TransformerBlock]

    /// Random weights of the given shape (tests and benchmarks of shapes, not of semantics).
    public init(config: Config, rng: inout RandomStream) {
        self.config = config
        wordEmbedding = rng.normalMatrix(rows: config.vocabularySize, cols: config.width, std: 0.02)
        positionEmbedding = rng.normalMatrix(rows: config.maxPositions, cols: config.width, std: 0.02)
        tokenTypeEmbedding = rng.normalMatrix(rows: config.typeVocabularySize, cols: config.width, std: 0.02)
        embeddingNorm = LayerNorm(width: config.width, epsilon: config.epsilon)
        layers = (0..<config.layers).map { _ in
            TransformerBlock(width: config.width, heads: config.heads, hidden: config.hidden, placement: .postNorm,
                             epsilon: config.epsilon, rng: &rng)
        }
    }

    public mutating func forEachTensor(prefix: String, _ body: (String, inout Matrix) -> Void) {
        body(prefix + "embeddings.word", &wordEmbedding)
        body(prefix + "embeddings.position", &positionEmbedding)
        body(prefix + "embeddings.token_type", &tokenTypeEmbedding)
        embeddingNorm.forEachTensor(prefix: prefix + "embeddings.norm.", body)
        for i in layers.indices { layers[i].forEachTensor(prefix: prefix + "layers.\(i).", body) }
    }

    /// clvbench tensor name -> (Hugging Face BERT name, transposed). Linear weights are stored
    /// outputs x inputs by PyTorch and inputs x outputs here.
    public static func checkpointName(_ name: String) -> (name: String, transposed: Bool)? {
        let fixed = ["embeddings.word": "embeddings.word_embeddings.weight",
                     "embeddings.position": "embeddings.position_embeddings.weight",
                     "embeddings.token_type": "embeddings.token_type_embeddings.weight",
                     "embeddings.norm.gamma": "embeddings.LayerNorm.weight",
                     "embeddings.norm.beta": "embeddings.LayerNorm.bias"]
        if let n = fixed[name] { return (n, false) }
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "layers", let i = Int(parts[1]) else { return nil }
        let local: [String: (String, Bool)] = [
            "attention.query.weight": ("attention.self.query.weight", true), "attention.query.bias": ("attention.self.query.bias", false),
            "attention.key.weight": ("attention.self.key.weight", true), "attention.key.bias": ("attention.self.key.bias", false),
            "attention.value.weight": ("attention.self.value.weight", true), "attention.value.bias": ("attention.self.value.bias", false),
            "attention.output.weight": ("attention.output.dense.weight", true), "attention.output.bias": ("attention.output.dense.bias", false),
            "attention_norm.gamma": ("attention.output.LayerNorm.weight", false), "attention_norm.beta": ("attention.output.LayerNorm.bias", false),
            "feed_forward.up.weight": ("intermediate.dense.weight", true), "feed_forward.up.bias": ("intermediate.dense.bias", false),
            "feed_forward.down.weight": ("output.dense.weight", true), "feed_forward.down.bias": ("output.dense.bias", false),
            "feed_forward_norm.gamma": ("output.LayerNorm.weight", false), "feed_forward_norm.beta": ("output.LayerNorm.bias", false),
        ]
        guard let (n, t) = local[parts[2]] else { return nil }
        return ("encoder.layer.\(i).\(n)", t)
    }

    /// Loads every tensor from a BERT checkpoint, checking each name, dtype and shape.
    public init(checkpoint st: SafeTensors, config: Config = Config()) throws {
        var rng = RandomStream(key: RandomKey("minilm-shape"))
        var shaped = MiniLM(shapeOnly: config, rng: &rng)
        var failure: Swift.Error?
        shaped.forEachTensor(prefix: "") { name, m in
            guard failure == nil else { return }
            guard let (hf, transposed) = Self.checkpointName(name) else { failure = SafeTensors.Error(file: st.source, problem: "no checkpoint name for \(name)"); return }
            let expected = m.rows == 1 ? [m.cols] : (transposed ? [m.cols, m.rows] : [m.rows, m.cols])
            do {
                let t = try st.matrix(hf, expectedShape: expected)
                m = transposed ? t.transposed() : Matrix(rows: m.rows, cols: m.cols, storage: t.storage)
            } catch { failure = error }
        }
        if let failure { throw failure }
        self = shaped
    }

    /// Zero weights of the right shapes (cheap; filled by the checkpoint loader).
    private init(shapeOnly config: Config, rng: inout RandomStream) {
        self.config = config
        wordEmbedding = Matrix(rows: config.vocabularySize, cols: config.width)
        positionEmbedding = Matrix(rows: config.maxPositions, cols: config.width)
        tokenTypeEmbedding = Matrix(rows: config.typeVocabularySize, cols: config.width)
        embeddingNorm = LayerNorm(width: config.width, epsilon: config.epsilon)
        let zero = { (i: Int, o: Int) in Linear(weight: Matrix(rows: i, cols: o), bias: Matrix(rows: 1, cols: o)) }
        let w = config.width
        layers = (0..<config.layers).map { _ in
            TransformerBlock(attention: MultiHeadAttention(query: zero(w, w), key: zero(w, w), value: zero(w, w), output: zero(w, w), heads: config.heads),
                             attentionNorm: LayerNorm(width: w, epsilon: config.epsilon),
                             feedForward: FeedForward(up: zero(w, config.hidden), down: zero(config.hidden, w)),
                             feedForwardNorm: LayerNorm(width: w, epsilon: config.epsilon), placement: .postNorm)
        }
    }

    // MARK: forward

    /// Token ids padded to a common length (pad id 0 after each sequence's real tokens).
    public struct TokenBatch: Sendable, Equatable {
        public let ids: [Int32]
        public let mask: PaddingMask

        /// Pads to the longest sequence (at least 1 position).
        public init(_ sequences: [[Int32]]) {
            let length = max(1, sequences.map(\.count).max() ?? 1)
            var ids = [Int32](repeating: 0, count: sequences.count * length)
            for (b, s) in sequences.enumerated() { for (i, t) in s.enumerated() { ids[b * length + i] = t } }
            self.ids = ids
            mask = PaddingMask(lengths: sequences.map(\.count), length: length)
        }
    }

    /// The embedding layer: word + position + token type 0, then LayerNorm. (batch * L) x width.
    public func embed(_ batch: TokenBatch) -> Matrix {
        let L = batch.mask.length, d = config.width
        precondition(L <= config.maxPositions, "MiniLM: \(L) positions, the model has \(config.maxPositions)")
        var x = Matrix(rows: batch.mask.rows, cols: d)
        for r in 0..<batch.mask.rows {
            let t = Int(batch.ids[r]), p = r % L
            precondition(t >= 0 && t < config.vocabularySize, "MiniLM: token id \(t) outside the vocabulary")
            for j in 0..<d {
                x.storage[r * d + j] = wordEmbedding.storage[t * d + j] + positionEmbedding.storage[p * d + j] + tokenTypeEmbedding.storage[j]
            }
        }
        return embeddingNorm.forward(x).y
    }

    /// Runs layers `range` on hidden states `h`; traces for `backwardLayers`.
    public func forwardLayers(_ h: Matrix, mask: PaddingMask, _ range: Range<Int>) -> (y: Matrix, traces: [TransformerBlock.Trace]) {
        var h = h, traces: [TransformerBlock.Trace] = []
        for i in range {
            let (y, t) = layers[i].forward(h, mask: mask)
            traces.append(t)
            h = y
        }
        return (h, traces)
    }

    /// Inference through layers `range`, keeping no traces.
    public func applyLayers(_ h: Matrix, mask: PaddingMask, _ range: Range<Int>) -> Matrix {
        var h = h
        for i in range { h = layers[i].forward(h, mask: mask).y }
        return h
    }

    /// Adds the gradients of layers `range` into `grad.layers` and returns dL/d(input of range).
    public func backwardLayers(_ dy: Matrix, traces: [TransformerBlock.Trace], _ range: Range<Int>, grad: inout MiniLM) -> Matrix {
        precondition(traces.count == range.count, "backwardLayers: \(traces.count) traces for \(range.count) layers")
        var d = dy
        for (k, i) in range.enumerated().reversed() { d = layers[i].backward(d, trace: traces[k], grad: &grad.layers[i]) }
        return d
    }

    /// Unit sentence embeddings, batch x width: mean pooling over the real tokens, L2 norm.
    public func sentenceEmbeddings(_ batch: TokenBatch) -> Matrix {
        let h = applyLayers(embed(batch), mask: batch.mask, 0..<layers.count)
        return L2Normalize.forward(MeanPooling.forward(h, mask: batch.mask)).y
    }
}
