import Linalg

/// The caption side of the dual encoder: unit embeddings of rows of `maxTokens` token ids
/// (0 is padding). One case per architecture, each a value.
public enum TextTower: Sendable, Equatable {
    case bag(BagTextTower)
    case minilm(MiniLMTextTower)

    /// Its parameters all belong to this group.
    public static let group = ParameterGroup.language

    /// Weights drawn from `rng` after the vision tower's; a MiniLM tower starts from `minilm`,
    /// the pretrained encoder.
    public init(_ description: TextTowerDescription, vocabularySize: Int, embedding: Int, minilm: MiniLM?,
                rng: inout RandomStream) {
        switch description {
        case .minilm(let d):
            guard let minilm else { preconditionFailure("a MiniLM text tower needs the pretrained encoder") }
            self = .minilm(MiniLMTextTower(encoder: minilm, tunedLayers: d.tunedLayers, maxTokens: d.maxTokens,
                                           embedding: embedding, rng: &rng))
        case .bag(let d):
            let tokens = rng.normalMatrix(rows: vocabularySize, cols: d.width, std: 0.5)
            let positions = rng.normalMatrix(rows: d.maxTokens, cols: d.width, std: 0.1)
            let layers = MLPStack.layers(inputs: d.width, widths: d.hidden + [embedding], rng: &rng)
            self = .bag(BagTextTower(tokenEmbedding: tokens, positionEmbedding: positions, layers: layers))
        }
    }

    /// Token ids per caption row.
    public var maxTokens: Int {
        switch self {
        case .bag(let t): return t.positionEmbedding.rows
        case .minilm(let t): return t.maxTokens
        }
    }

    public func forward(_ tokens: [Int32]) -> (embeddings: Matrix, trace: TextTrace) {
        precondition(tokens.count % maxTokens == 0, "token rows must have maxTokens ids")
        switch self {
        case .bag(let t):
            let pooled = TokenPooling.forward(tokens: tokens, length: maxTokens, tokenEmbedding: t.tokenEmbedding,
                                              positionEmbedding: t.positionEmbedding)
            let (y, trace) = MLPStack.forward(t.layers, pooled)
            return (y, .bag(tokens: tokens, head: trace))
        case .minilm(let t):
            let (y, trace) = t.forward(tokens)
            return (y, .minilm(trace))
        }
    }

    /// Adds dL/d(weights) into `g` (a tower of the same shape) from dL/d(embeddings).
    public func backward(_ dEmbeddings: Matrix, trace: TextTrace, into g: inout TextTower) {
        switch (self, trace) {
        case (.bag(let t), .bag(let tokens, let head)):
            guard case .bag(var gt) = g else { preconditionFailure("gradient tower of another kind") }
            g = .bag(BagTextTower.empty)  // gt holds the only reference: updated in place
            let d = MLPStack.backward(t.layers, dEmbeddings, trace: head, grads: &gt.layers, needInputGradient: true)!
            TokenPooling.backward(d, tokens: tokens, length: maxTokens, tokenGrad: &gt.tokenEmbedding, positionGrad: &gt.positionEmbedding)
            g = .bag(gt)
        case (.minilm(let t), .minilm(let tr)):
            guard case .minilm(var gt) = g else { preconditionFailure("gradient tower of another kind") }
            g = .bag(BagTextTower.empty)
            t.backward(dEmbeddings, trace: tr, grad: &gt)
            g = .minilm(gt)
        default:
            preconditionFailure("trace of another tower kind")
        }
    }

    /// Visits every parameter tensor in a fixed order with its name (prefix `text.`).
    public mutating func forEachTensor(_ body: (String, inout Matrix) -> Void) {
        switch self {
        case .bag(var t):
            self = .bag(BagTextTower.empty)
            body("text.token_embedding", &t.tokenEmbedding)
            body("text.position_embedding", &t.positionEmbedding)
            MLPStack.forEachTensor(&t.layers, prefix: "text", body)
            self = .bag(t)
        case .minilm(var t):
            self = .bag(BagTextTower.empty)
            t.forEachTensor(prefix: "text.", body)
            self = .minilm(t)
        }
    }
}

/// What the text tower's backward pass needs from its forward pass.
public enum TextTrace: Sendable {
    case bag(tokens: [Int32], head: MLPTrace)
    case minilm(MiniLMTextTower.Trace)
}

/// A bag of positioned tokens: the mean over a caption's non-padding positions of (token
/// embedding + position embedding), then an MLP whose last layer projects to the embedding.
/// Order enters only through the position embeddings.
public struct BagTextTower: Sendable, Equatable {
    public var tokenEmbedding: Matrix
    public var positionEmbedding: Matrix
    public var layers: [Linear]

    public init(tokenEmbedding: Matrix, positionEmbedding: Matrix, layers: [Linear]) {
        self.tokenEmbedding = tokenEmbedding
        self.positionEmbedding = positionEmbedding
        self.layers = layers
    }

    static let empty = BagTextTower(tokenEmbedding: Matrix(rows: 0, cols: 0), positionEmbedding: Matrix(rows: 0, cols: 0), layers: [])
}
