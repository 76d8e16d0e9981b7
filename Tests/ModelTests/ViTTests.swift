import Foundation
import Linalg
import Testing
@testable import Model

/// The ViT vision tower: patch extraction against the index definition, and end-to-end
/// gradients of a dual encoder with a ViT through both losses, for every tensor.
struct ViTTests {
    /// A 4x4 image, patches of 2, width 8, two pre-norm blocks of two heads, bag text tower.
    /// Weights are redrawn at a larger scale than ViT's 0.02 so gradients are far above the
    /// check's absolute tolerance.
    static func tiny() -> (DualEncoder, Matrix, [Int32]) {
        let d = ModelDescription(vision: .vit(ViTDescription(patch: 2, width: 8, depth: 2, heads: 2, hidden: 12)),
                                 text: .bag(BagTextDescription(width: 5, hidden: [6], maxTokens: 4)), embedding: 4)
        var model = DualEncoder(description: d, imageSize: 4, vocabularySize: 9, key: RandomKey("tiny-vit"))
        var rng = RandomStream(key: RandomKey("tiny-vit-weights"))
        model.forEachNamedTensor { _, name, group, t in
            guard group == .vision else { return }
            let fresh = rng.normalMatrix(rows: t.rows, cols: t.cols, std: 0.5)
            t = name.hasSuffix("gamma") ? fresh.map { 1 + 0.3 * $0 } : fresh
        }
        let images = rng.normalMatrix(rows: 5, cols: 48)
        let tokens: [Int32] = [2, 3, 0, 0, 4, 5, 6, 0, 7, 8, 2, 1, 3, 0, 0, 0, 5, 5, 6, 2]
        guard case .bag(var t) = model.text else { preconditionFailure() }
        let pooled = TokenPooling.forward(tokens: tokens, length: 4, tokenEmbedding: t.tokenEmbedding, positionEmbedding: t.positionEmbedding)
        t.layers[0] = ModelGradientTests.awayFromKink(t.layers[0], input: pooled)
        model.text = .bag(t)
        return (model, images, tokens)
    }

    @Test func patchesFollowTheIndexDefinition() {
        let d = ViTDescription(patch: 3, width: 4, depth: 1, heads: 2, hidden: 4)
        var rng = RandomStream(key: RandomKey("vit-patches"))
        let tower = ViTVisionTower(d, imageSize: 6, embedding: 2, rng: &rng)
        let images = rng.normalMatrix(rows: 2, cols: 6 * 6 * 3)
        let p = tower.patches(images)
        #expect(p.rows == 2 * 4 && p.cols == 27)
        for b in 0..<2 {
            for py in 0..<2 {
                for px in 0..<2 {
                    for y in 0..<3 {
                        for x in 0..<3 {
                            for c in 0..<3 {
                                let pixel = images[b, ((py * 3 + y) * 6 + px * 3 + x) * 3 + c]
                                #expect(p[b * 4 + py * 2 + px, (y * 3 + x) * 3 + c] == pixel)
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func contrastiveAndClassificationGradients() {
        let (model, images, tokens) = Self.tiny()
        let (_, g) = contrastiveStep(model: model, images: images, captionTokens: tokens)
        // Every vision tensor receives a gradient well above the check's absolute tolerance
        // (the position embedding's and the norms' included), so the check below can fail.
        // The key bias is the exception: it adds q . b to every score of a query, which the
        // softmax cancels, so its true gradient is zero (the check still covers it).
        for t in g.namedTensors where t.group == .vision && !t.name.hasSuffix("key.bias") {
            #expect((t.value.storage.map { abs($0) }.max() ?? 0) > 5e-3, "\(t.name)")
        }
        let checker = ModelGradientTests()
        checker.checkAll(model, analytic: g) { contrastiveStep(model: $0, images: images, captionTokens: tokens).loss }
        let prompts = Array(tokens[0..<12])
        let terms = [ClassificationTerm(imageBatch: 0, promptTokens: prompts, targets: oneHot([0, 2, 1, 1, 0], classes: 3))]
        let (_, gc) = classificationLoss(model: model, imageBatches: [images], terms: terms)
        checker.checkAll(model, analytic: gc) { classificationLoss(model: $0, imageBatches: [images], terms: terms).loss }
    }

    @Test func tensorsAreNamedAndCheckpointed() throws {
        let (model, _, _) = Self.tiny()
        let names = model.namedTensors.filter { $0.group == .vision }.map(\.name)
        #expect(names.first == "vision.patch_embedding.weight" && names[2] == "vision.position_embedding")
        #expect(names.contains("vision.blocks.1.attention.query.weight") && names.contains("vision.norm.gamma"))
        #expect(names.last == "vision.projection.bias")
        #expect(Set(names).count == names.count)
        // Patch embedding 12x8+8, positions 4x8, two blocks, final norm, projection 8x4+4.
        let attention = 4 * (8 * 8 + 8), norms = 2 * 2 * 8, ffn = 8 * 12 + 12 + 12 * 8 + 8
        let vision = model.tensors.filter { $0.group == .vision }.reduce(0) { $0 + $1.value.count }
        #expect(vision == (12 * 8 + 8) + 4 * 8 + 2 * (attention + norms + ffn) + 2 * 8 + (8 * 4 + 4))
        let restored = try Checkpoint.decode(Checkpoint.encode(model), into: model.zeros())
        #expect(restored == model)
    }
}
