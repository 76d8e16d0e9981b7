import Foundation
import Linalg
import Testing
@testable import Model

/// The MiniLM text tower on a small random encoder (the shapes and arithmetic of
/// all-MiniLM-L6-v2, not its weights): frozen and last-k modes, cached frozen outputs against
/// the uncached computation, end-to-end gradients of the tuned part, and what training touches.
struct MiniLMTextTowerTests {
    static func encoder() -> MiniLM {
        var c = MiniLM.Config()
        c.vocabularySize = 20; c.width = 8; c.layers = 3; c.heads = 2; c.hidden = 12; c.maxPositions = 8
        var rng = RandomStream(key: RandomKey("tiny-minilm"))
        var m = MiniLM(config: c, rng: &rng)
        // Larger weights than BERT's 0.02, so gradients stand far above the check's tolerance.
        m.forEachTensor(prefix: "") { name, t in
            let fresh = rng.normalMatrix(rows: t.rows, cols: t.cols, std: 0.4)
            t = name.hasSuffix("gamma") ? fresh.map { 1 + 0.3 * $0 } : fresh
        }
        return m
    }

    static func model(tuned k: Int) -> DualEncoder {
        let d = ModelDescription(vision: .mlp(MLPVisionDescription(hidden: [7])),
                                 text: .minilm(MiniLMTextDescription(tunedLayers: k, maxTokens: 6)), embedding: 4)
        var m = DualEncoder(description: d, imageSize: 2, vocabularySize: 20, minilm: encoder(), key: RandomKey("tiny-minilm-model"))
        // A projection of ordinary scale (0.02 would make every gradient tiny).
        m.forEachNamedTensor { _, name, _, t in
            if name == "text.projection.weight" { var r = RandomStream(key: RandomKey("proj")); t = r.normalMatrix(rows: t.rows, cols: t.cols, std: 0.5) }
        }
        return m
    }

    /// Rows of 6 ids: [CLS]=1 ... [SEP]=2, then padding 0; captions of different lengths.
    static let tokens: [Int32] = [1, 5, 6, 2, 0, 0, 1, 7, 8, 9, 10, 2, 1, 11, 2, 0, 0, 0, 1, 5, 6, 2, 0, 0, 1, 12, 13, 14, 2, 0]

    /// The uncached definition: each caption alone through the whole encoder (tuned layers
    /// included), mean-pooled, projected, normalised.
    static func direct(_ tower: MiniLMTextTower, _ tokens: [Int32]) -> Matrix {
        let seqs = MiniLMTextTower.sequences(tokens, length: tower.maxTokens)
        var encoder = tower.encoder
        for (i, block) in tower.tuned.enumerated() { encoder.layers[encoder.layers.count - tower.tuned.count + i] = block }
        var pooled = Matrix(rows: seqs.count, cols: encoder.config.width)
        for (b, s) in seqs.enumerated() {
            let batch = MiniLM.TokenBatch([s])
            let h = encoder.applyLayers(encoder.embed(batch), mask: batch.mask, 0..<encoder.layers.count)
            let p = MeanPooling.forward(h, mask: batch.mask)
            for j in 0..<p.cols { pooled[b, j] = p[0, j] }
        }
        return L2Normalize.forward(tower.projection.forward(pooled)).y
    }

    @Test(arguments: [0, 2])
    func cachedForwardEqualsTheDefinition(tuned k: Int) {
        let model = Self.model(tuned: k)
        guard case .minilm(let tower) = model.text else { preconditionFailure() }
        let (y, _) = model.encodeText(Self.tokens)
        #expect(y.maxAbsDifference(Self.direct(tower, Self.tokens)) < 1e-5)
        // Rows 0 and 3 are the same caption: one cache entry each for 4 distinct captions.
        #expect(tower.cache.count == 4)
        let (again, _) = model.encodeText(Self.tokens)
        #expect(again == y)
    }

    @Test(arguments: [0, 2])
    func gradientsOfTheTunedPart(tuned k: Int) {
        let model = Self.model(tuned: k)
        var rng = RandomStream(key: RandomKey("minilm-images"))
        let images = rng.normalMatrix(rows: 5, cols: 12)
        let (_, g) = contrastiveStep(model: model, images: images, captionTokens: Self.tokens)
        for t in g.namedTensors where t.group == .language && !t.name.hasSuffix("key.bias") {
            #expect((t.value.storage.map { abs($0) }.max() ?? 0) > 5e-3, "\(t.name)")
        }
        // A step of 3e-3: through three post-norm layers in Float32 the loss carries rounding
        // noise of about 1e-6, which a step of 1e-3 turns into 5e-4 of gradient noise (seen on
        // a feed-forward weight whose gradient is 7.5e-4: 1e-3 gave 1.4e-3, 3e-3 gave 8.0e-4).
        ModelGradientTests().checkAll(model, analytic: g, step: 3e-3) { contrastiveStep(model: $0, images: images, captionTokens: Self.tokens).loss }
    }

    @Test func onlyTheTunedPartIsAParameterAndTrains() throws {
        let frozen = Self.model(tuned: 0), lastTwo = Self.model(tuned: 2)
        #expect(frozen.namedTensors.filter { $0.group == .language }.map(\.name) == ["text.projection.weight", "text.projection.bias"])
        let names = lastTwo.namedTensors.filter { $0.group == .language }.map(\.name)
        #expect(names.first == "text.layers.1.attention.query.weight" && names.contains("text.layers.2.feed_forward_norm.beta"))
        #expect(!names.contains { $0.hasPrefix("text.layers.0.") } && names.last == "text.projection.bias")
        var model = lastTwo
        var rng = RandomStream(key: RandomKey("minilm-step"))
        let (_, g) = contrastiveStep(model: model, images: rng.normalMatrix(rows: 5, cols: 12), captionTokens: Self.tokens)
        var opt = AdamW(config: AdamW.Config())
        opt.update(&model, gradients: g)
        guard case .minilm(let before) = lastTwo.text, case .minilm(let after) = model.text else { preconditionFailure() }
        #expect(after.encoder == before.encoder)  // frozen weights untouched
        #expect(after.tuned != before.tuned && after.projection != before.projection)
        // A checkpoint holds the tuned part only and restores into a template with the encoder.
        let restored = try Checkpoint.decode(Checkpoint.encode(model), into: lastTwo)
        #expect(restored == model)
    }
}
