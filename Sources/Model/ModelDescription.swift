import Foundation

/// What a suite says about a model: its two towers and the shared embedding. The world adds
/// the rest (image size; the bag tower's vocabulary) when the model is built.
public struct ModelDescription: Codable, Hashable, Sendable {
    public var vision: VisionTowerDescription = .mlp(MLPVisionDescription())
    public var text: TextTowerDescription = .bag(BagTextDescription())
    /// Width of the shared embedding both towers project to.
    public var embedding = 64
    /// CLIP initialises the log logit scale at ln(1 / 0.07) and clamps it at ln 100.
    public var initialLogScale: Float = logf(1 / 0.07)
    public var maxLogScale: Float = logf(100)

    public init() {}

    public init(vision: VisionTowerDescription, text: TextTowerDescription, embedding: Int = 64) {
        self.vision = vision
        self.text = text
        self.embedding = embedding
    }

    /// Rows of this many token ids make up a batch of captions.
    public var maxTokens: Int {
        switch text {
        case .bag(let b): return b.maxTokens
        case .minilm(let m): return m.maxTokens
        }
    }

    /// Canonical text of what determines the model's results; enters run identities. The MLP +
    /// bag model keeps the text clvbench wrote before towers were pluggable, so its runs keep
    /// their identities.
    public var identity: String {
        if let legacy = legacySizes { return Self.json(legacy) }
        return Self.json(self)
    }

    /// Canonical text of the built model (description plus what the world supplied); enters the
    /// pretraining cache key. The MLP + bag model keeps its earlier text, so cached pretrained
    /// weights (and the seeds derived from the key) stay what they were.
    public func builtIdentity(imageSize: Int, vocabularySize: Int) -> String {
        if let l = legacySizes {
            return Self.json(LegacyConfig(embedding: l.embedding, imageSize: imageSize, initialLogScale: initialLogScale,
                                          maxLogScale: maxLogScale, maxTokens: l.maxTokens, textHidden: l.textHidden,
                                          textWidth: l.textWidth, visionHidden: l.visionHidden, vocabularySize: vocabularySize))
        }
        return Self.json(self) + " image=\(imageSize) vocabulary=\(vocabularySize)"
    }

    static func json<T: Encodable>(_ v: T) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        return String(decoding: try! enc.encode(v), as: UTF8.self)
    }

    /// The sizes of the MLP + bag model as the earlier `ModelSize` spelled them.
    struct LegacySizes: Encodable {
        var embedding: Int, maxTokens: Int, textHidden: [Int], textWidth: Int, visionHidden: [Int]
    }

    /// The earlier `ModelConfig`, field for field.
    struct LegacyConfig: Encodable {
        var embedding: Int, imageSize: Int, initialLogScale: Float, maxLogScale: Float, maxTokens: Int
        var textHidden: [Int], textWidth: Int, visionHidden: [Int], vocabularySize: Int
    }

    var legacySizes: LegacySizes? {
        guard case .mlp(let v) = vision, case .bag(let t) = text, initialLogScale == logf(1 / 0.07), maxLogScale == logf(100)
        else { return nil }
        return LegacySizes(embedding: embedding, maxTokens: t.maxTokens, textHidden: t.hidden, textWidth: t.width, visionHidden: v.hidden)
    }
}

/// The vision tower of a model.
public enum VisionTowerDescription: Codable, Hashable, Sendable {
    /// An MLP on the flattened pixels.
    case mlp(MLPVisionDescription)
    /// A vision transformer on p x p patches.
    case vit(ViTDescription)

    public var kind: String {
        switch self {
        case .mlp: return "mlp"
        case .vit: return "vit"
        }
    }
}

public struct ViTDescription: Codable, Hashable, Sendable {
    /// Side of the square patches, in pixels; must divide the image size.
    public var patch = 4
    /// Width of the patch embeddings and of every block; a multiple of `heads`.
    public var width = 64
    /// Number of transformer blocks.
    public var depth = 2
    public var heads = 4
    /// Hidden width of each block's feed-forward network.
    public var hidden = 128
    public init(patch: Int = 4, width: Int = 64, depth: Int = 2, heads: Int = 4, hidden: Int = 128) {
        self.patch = patch
        self.width = width
        self.depth = depth
        self.heads = heads
        self.hidden = hidden
    }
}

public struct MLPVisionDescription: Codable, Hashable, Sendable {
    /// Widths of the hidden layers (ReLU after each); a projection to the embedding follows.
    public var hidden: [Int] = [256, 256]
    public init(hidden: [Int] = [256, 256]) { self.hidden = hidden }
}

/// The text tower of a model.
public enum TextTowerDescription: Codable, Hashable, Sendable {
    /// Mean of (token + position) embeddings over a caption, then an MLP.
    case bag(BagTextDescription)
    /// The pretrained MiniLM (all-MiniLM-L6-v2), frozen or with its last layers tuned.
    case minilm(MiniLMTextDescription)

    public var kind: String {
        switch self {
        case .bag: return "bag"
        case .minilm: return "minilm"
        }
    }
}

public struct MiniLMTextDescription: Codable, Hashable, Sendable {
    /// How many of the last encoder layers are trained; 0 is `frozen` (only the projection).
    public var tunedLayers = 0
    /// WordPiece ids per caption, [CLS] and [SEP] included (longer captions are truncated).
    public var maxTokens = 32
    public init(tunedLayers: Int = 0, maxTokens: Int = 32) {
        self.tunedLayers = tunedLayers
        self.maxTokens = maxTokens
    }

    /// `frozen` or `last-k`.
    public var mode: String { tunedLayers == 0 ? "frozen" : "last-\(tunedLayers)" }
}

public struct BagTextDescription: Codable, Hashable, Sendable {
    /// Width of the token and position embeddings.
    public var width = 64
    /// Widths of the hidden layers after pooling; a projection to the embedding follows.
    public var hidden: [Int] = [256]
    /// Token ids per caption (longer captions are truncated).
    public var maxTokens = 16
    public init(width: Int = 64, hidden: [Int] = [256], maxTokens: Int = 16) {
        self.width = width
        self.hidden = hidden
        self.maxTokens = maxTokens
    }
}
