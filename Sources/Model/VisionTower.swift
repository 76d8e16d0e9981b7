import Linalg

/// The image side of the dual encoder: unit embeddings of a batch of images (rows = images,
/// columns = pixels, RGB interleaved). One case per architecture, each a value, so models
/// compare and copy as values.
public enum VisionTower: Sendable, Equatable {
    case mlp(MLPVisionTower)
    case vit(ViTVisionTower)

    /// Its parameters all belong to this group.
    public static let group = ParameterGroup.vision

    /// Weights drawn from `rng` (the model's one initialisation stream, vision first).
    public init(_ description: VisionTowerDescription, imageSize: Int, embedding: Int, rng: inout RandomStream) {
        switch description {
        case .mlp(let d):
            self = .mlp(MLPVisionTower(layers: MLPStack.layers(inputs: imageSize * imageSize * 3, widths: d.hidden + [embedding], rng: &rng)))
        case .vit(let d):
            self = .vit(ViTVisionTower(d, imageSize: imageSize, embedding: embedding, rng: &rng))
        }
    }

    public func forward(_ images: Matrix) -> (embeddings: Matrix, trace: VisionTrace) {
        switch self {
        case .mlp(let t):
            let (y, trace) = MLPStack.forward(t.layers, images)
            return (y, .mlp(trace))
        case .vit(let t):
            let (y, trace) = t.forward(images)
            return (y, .vit(trace))
        }
    }

    /// Adds dL/d(weights) into `g` (a tower of the same shape) from dL/d(embeddings).
    public func backward(_ dEmbeddings: Matrix, trace: VisionTrace, into g: inout VisionTower) {
        switch (self, trace) {
        case (.mlp(let t), .mlp(let tr)):
            guard case .mlp(var gt) = g else { preconditionFailure("gradient tower of another kind") }
            g = .mlp(MLPVisionTower(layers: []))  // gt holds the only reference: updated in place
            _ = MLPStack.backward(t.layers, dEmbeddings, trace: tr, grads: &gt.layers, needInputGradient: false)
            g = .mlp(gt)
        case (.vit(let t), .vit(let tr)):
            guard case .vit(var gt) = g else { preconditionFailure("gradient tower of another kind") }
            g = .mlp(MLPVisionTower(layers: []))
            t.backward(dEmbeddings, trace: tr, grad: &gt)
            g = .vit(gt)
        default:
            preconditionFailure("trace of another tower kind")
        }
    }

    /// Visits every parameter tensor in a fixed order with its name (prefix `vision.`).
    public mutating func forEachTensor(_ body: (String, inout Matrix) -> Void) {
        switch self {
        case .mlp(var t):
            self = .mlp(MLPVisionTower(layers: []))
            MLPStack.forEachTensor(&t.layers, prefix: "vision", body)
            self = .mlp(t)
        case .vit(var t):
            self = .mlp(MLPVisionTower(layers: []))
            t.forEachTensor(prefix: "vision.", body)
            self = .vit(t)
        }
    }
}

/// What the vision tower's backward pass needs from its forward pass.
public enum VisionTrace: Sendable {
    case mlp(MLPTrace)
    case vit(ViTVisionTower.Trace)
}

/// An MLP on the flattened pixels: Linear layers with ReLU between them, the last one
/// projecting to the shared embedding.
public struct MLPVisionTower: Sendable, Equatable {
    public var layers: [Linear]
    public init(layers: [Linear]) { self.layers = layers }
}
