import Model

/// Multiply-adds of one forward pass per sample through each tower, from a model's description
/// alone: what scales a named model's measured rates to a model of other sizes (ShardCost). Only
/// the matrix products are counted; a MiniLM tower's frozen layers are not (their outputs are
/// cached per caption), its tuned layers and projection are.
public enum TowerWork {
    /// One image through the vision tower: the MLP's layers; the ViT's patch embedding, per block
    /// Q, K, V, output and feed-forward products and the two attention products per head, and
    /// the projection.
    public static func vision(_ d: VisionTowerDescription, imageSize: Int, embedding: Int) -> Double {
        switch d {
        case .mlp(let m):
            return chain([imageSize * imageSize * 3] + m.hidden + [embedding])
        case .vit(let v):
            let tokens = Double((imageSize / v.patch) * (imageSize / v.patch)), w = Double(v.width)
            let block = tokens * (4 * w * w + 2 * w * Double(v.hidden)) + 2 * tokens * tokens * w
            return tokens * Double(v.patch * v.patch * 3) * w + Double(v.depth) * block + w * Double(embedding)
        }
    }

    /// One caption (or class prompt) through the text tower: the bag's pooled token embeddings and
    /// layers; MiniLM's tuned layers over its tokens and the projection.
    public static func text(_ d: TextTowerDescription, embedding: Int) -> Double {
        switch d {
        case .bag(let b):
            return Double(b.maxTokens * b.width) + chain([b.width] + b.hidden + [embedding])
        case .minilm(let m):
            let c = MiniLM.Config(), tokens = Double(m.maxTokens), w = Double(c.width)
            let layer = tokens * (4 * w * w + 2 * w * Double(c.hidden)) + 2 * tokens * tokens * w
            return Double(m.tunedLayers) * layer + w * Double(embedding)
        }
    }

    /// Both towers, one image and one caption.
    public static func perSample(_ m: ModelDescription, imageSize: Int) -> Double {
        vision(m.vision, imageSize: imageSize, embedding: m.embedding) + text(m.text, embedding: m.embedding)
    }

    /// Multiply-adds of a stack of linear layers with these widths.
    static func chain(_ widths: [Int]) -> Double {
        zip(widths, widths.dropFirst()).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }
}
