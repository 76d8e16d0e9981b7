import Linalg

/// A small vision transformer (Dosovitskiy et al. 2021): the image cut into p x p patches,
/// each flattened and embedded by one linear map, plus a learned position embedding per
/// patch; pre-norm transformer blocks; a final LayerNorm; the mean over patches (no class
/// token); a linear projection to the shared embedding.
public struct ViTVisionTower: Sendable, Equatable, NamedParameters {
    public var patchEmbedding: Linear      // (p * p * 3) x width
    public var positionEmbedding: Matrix   // patches x width
    public var blocks: [TransformerBlock]
    public var norm: LayerNorm
    public var projection: Linear          // width x embedding
    public let imageSize: Int
    public let patch: Int

    /// Weights N(0, 0.02^2) as in ViT, LayerNorm gamma 1 and beta 0, drawn from `rng` in
    /// the order patch embedding, position embedding, blocks, projection.
    public init(_ d: ViTDescription, imageSize: Int, embedding: Int, rng: inout RandomStream) {
        precondition(imageSize % d.patch == 0 && d.width % d.heads == 0, "ViT: patch or heads do not divide")
        self.imageSize = imageSize
        patch = d.patch
        let patches = (imageSize / d.patch) * (imageSize / d.patch)
        patchEmbedding = Linear(inputs: d.patch * d.patch * 3, outputs: d.width, std: 0.02, rng: &rng)
        positionEmbedding = rng.normalMatrix(rows: patches, cols: d.width, std: 0.02)
        blocks = (0..<d.depth).map { _ in
            TransformerBlock(width: d.width, heads: d.heads, hidden: d.hidden, placement: .preNorm, epsilon: 1e-6, rng: &rng)
        }
        norm = LayerNorm(width: d.width, epsilon: 1e-6)
        projection = Linear(inputs: d.width, outputs: embedding, std: 0.02, rng: &rng)
    }

    public var patchesPerSide: Int { imageSize / patch }
    public var patchCount: Int { patchesPerSide * patchesPerSide }

    public mutating func forEachTensor(prefix: String, _ body: (String, inout Matrix) -> Void) {
        patchEmbedding.forEachTensor(prefix: prefix + "patch_embedding.", body)
        body(prefix + "position_embedding", &positionEmbedding)
        for i in blocks.indices { blocks[i].forEachTensor(prefix: prefix + "blocks.\(i).", body) }
        norm.forEachTensor(prefix: prefix + "norm.", body)
        projection.forEachTensor(prefix: prefix + "projection.", body)
    }

    /// Rows = images, columns = pixels (row-major, RGB interleaved) -> rows = (image, patch),
    /// columns = the patch's pixels (row-major within the patch, RGB interleaved).
    public func patches(_ images: Matrix) -> Matrix {
        let s = imageSize, p = patch, side = patchesPerSide, n = patchCount
        precondition(images.cols == s * s * 3, "ViT: images of \(images.cols) values, expected \(s * s * 3)")
        var out = Matrix(rows: images.rows * n, cols: p * p * 3)
        let rowBytes = p * 3
        images.storage.withUnsafeBufferPointer { src in
            out.storage.withUnsafeMutableBufferPointer { dst in
                for b in 0..<images.rows {
                    for py in 0..<side {
                        for px in 0..<side {
                            let r = (b * n + py * side + px) * p * p * 3
                            for y in 0..<p {
                                let from = b * s * s * 3 + ((py * p + y) * s + px * p) * 3
                                for k in 0..<rowBytes { dst[r + y * rowBytes + k] = src[from + k] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    public struct Trace: Sendable {
        var patches: Matrix
        var blockInputs: [Matrix]
        var blocks: [TransformerBlock.Trace]
        var normInput: Matrix
        var norm: LayerNorm.Trace
        var pooled: Matrix
        var projected: Matrix
        var norms: [Float]
        var embeddings: Matrix
    }

    public func forward(_ images: Matrix) -> (embeddings: Matrix, trace: Trace) {
        let x = patches(images)
        var h = patchEmbedding.forward(x)
        let n = patchCount, w = h.cols
        for b in 0..<images.rows {
            for i in 0..<(n * w) { h.storage[b * n * w + i] += positionEmbedding.storage[i] }
        }
        let mask = PaddingMask.full(batch: images.rows, length: n)
        var inputs: [Matrix] = [], traces: [TransformerBlock.Trace] = []
        for block in blocks {
            inputs.append(h)
            let (y, t) = block.forward(h, mask: mask)
            traces.append(t)
            h = y
        }
        let (normed, nt) = norm.forward(h)
        let pooled = MeanPooling.forward(normed, mask: mask)
        let projected = projection.forward(pooled)
        let (y, norms) = L2Normalize.forward(projected)
        return (y, Trace(patches: x, blockInputs: inputs, blocks: traces, normInput: h, norm: nt, pooled: pooled,
                         projected: projected, norms: norms, embeddings: y))
    }

    /// Adds every parameter's gradient into `grad` from dL/d(unit embeddings).
    public func backward(_ dEmbeddings: Matrix, trace t: Trace, grad: inout ViTVisionTower) {
        let batch = dEmbeddings.rows, n = patchCount
        let mask = PaddingMask.full(batch: batch, length: n)
        let dProjected = L2Normalize.backward(dEmbeddings, output: t.embeddings, norms: t.norms)
        let dPooled = projection.backward(dProjected, input: t.pooled, grad: &grad.projection)!
        let dNormed = MeanPooling.backward(dPooled, mask: mask)
        var d = norm.backward(dNormed, input: t.normInput, trace: t.norm, grad: &grad.norm)
        for i in stride(from: blocks.count - 1, through: 0, by: -1) {
            d = blocks[i].backward(d, trace: t.blocks[i], grad: &grad.blocks[i])
        }
        let w = d.cols
        for b in 0..<batch {
            for i in 0..<(n * w) { grad.positionEmbedding.storage[i] += d.storage[b * n * w + i] }
        }
        _ = patchEmbedding.backward(d, input: t.patches, grad: &grad.patchEmbedding, needInputGradient: false)
    }
}
