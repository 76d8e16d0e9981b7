import Foundation
import Linalg
import Testing
@testable import Model

struct OptimizerTests {
    @Test func adamWStepMatchesHandComputation() {
        var (model, _, _) = ModelGradientTests.tiny()
        var g = model.zeros()
        g.forEachNamedTensor { _, name, _, t in
            if name == "vision.layer0.weight" { t.storage[0] = 0.5 }  // a 2-D weight: decayed
            if name == "vision.layer0.bias" { t.storage[0] = -2 }     // a bias: not decayed
        }
        var c = AdamW.Config()
        c.learningRate = 0.1
        c.weightDecay = 0.01
        c.clipNorm = nil
        var opt = AdamW(config: c)
        let before = model
        opt.update(&model, gradients: g)
        // Step 1: m_hat = g, v_hat = g^2, so the Adam step is lr * g / (|g| + eps) = lr * sign(g).
        func tensor(_ m: DualEncoder, _ name: String) -> Matrix { m.namedTensors.first { $0.name == name }!.value }
        let w0 = tensor(before, "vision.layer0.weight").storage[0]
        #expect(abs(tensor(model, "vision.layer0.weight").storage[0] - (w0 - 0.1 * (0.5 / (0.5 + 1e-8) + 0.01 * w0))) < 1e-6)
        #expect(abs(tensor(model, "vision.layer0.bias").storage[0] - (tensor(before, "vision.layer0.bias").storage[0] + 0.1)) < 1e-6)
        // Zero gradient: only weight decay moves a weight.
        let w1 = tensor(before, "vision.layer0.weight").storage[1]
        #expect(abs(tensor(model, "vision.layer0.weight").storage[1] - (w1 - 0.1 * 0.01 * w1)) < 1e-7)
        #expect(tensor(model, "text.token_embedding") == tensor(before, "text.token_embedding").map { $0 - 0.1 * 0.01 * $0 })
    }

    @Test func frozenGroupsAndClipping() {
        var (model, images, tokens) = ModelGradientTests.tiny()
        let before = model
        let (_, g) = contrastiveStep(model: model, images: images, captionTokens: tokens)
        var opt = AdamW(config: AdamW.Config())
        opt.update(&model, gradients: g, frozen: [.vision, .shared])
        #expect(model.vision == before.vision && model.logScale == before.logScale)
        #expect(model.text != before.text)
        // The returned norm is the global norm of the whole gradient.
        var c = AdamW.Config()
        c.clipNorm = 1e-3
        var clipped = AdamW(config: c)
        var viaClip = before
        let norm = clipped.update(&viaClip, gradients: g)
        let direct = g.tensors.reduce(0.0) { s, t in s + t.value.storage.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot()
        #expect(abs(Double(norm) - direct) <= 1e-5 * direct)
        _ = clipped.update(&viaClip, gradients: g)
        // Clipping to c equals feeding the gradient scaled by c / norm to an unclipped optimiser
        // (two steps: Adam's first step alone does not depend on the gradient's scale).
        var scaled = g
        let factor = c.clipNorm! / norm
        scaled.forEachTensor { _, _, t in t.scale(by: factor) }
        var plainConfig = c
        plainConfig.clipNorm = nil
        var plain = AdamW(config: plainConfig), unclipped = AdamW(config: plainConfig)
        var viaScale = before, viaRaw = before
        for _ in 0..<2 {
            plain.update(&viaScale, gradients: scaled)
            unclipped.update(&viaRaw, gradients: g)
        }
        let differences = zip(viaClip.tensors, viaScale.tensors).map { $0.value.maxAbsDifference($1.value) }
        #expect(differences.max()! < 1e-6)
        let unclippedDifference = zip(viaClip.tensors, viaRaw.tensors).map { $0.value.maxAbsDifference($1.value) }.max()!
        #expect(unclippedDifference > 1e-5)
    }
}

extension OptimizerTests {
    /// The eight-lane element update against the textbook scalar loop, bit for bit, at lengths
    /// around the lane width and with values that exercise the square root (zeros, tiny, huge).
    @Test(arguments: [0, 1, 7, 8, 9, 16, 23, 1000])
    func vectorUpdateEqualsScalarLoop(length n: Int) {
        var rng = RandomStream(key: RandomKey("adamw-lanes", .int(n)))
        func values() -> [Float] {
            (0..<n).map { i in [0, 1e-30, 3e7, -2.5][i % 9 == 0 ? (i / 9) % 4 : 0] + (i % 9 == 0 ? 0 : rng.normal()) }
        }
        let g = values(), p0 = values()
        let m0 = values(), v0 = values().map { $0 * $0 }
        let k = AdamW.StepConstants(clip: 0.7, beta1: 0.9, beta2: 0.999, inverseBC1: 1 / (1 - 0.9 * 0.9),
                                    inverseBC2: 1 / (1 - 0.999 * 0.999), learningRate: 1e-3, epsilon: 1e-8, decay: 1e-4)
        var (p, m, v) = (p0, m0, v0)
        p.withUnsafeMutableBufferPointer { ps in
            m.withUnsafeMutableBufferPointer { ms in
                v.withUnsafeMutableBufferPointer { vs in
                    g.withUnsafeBufferPointer { AdamW.updateElements(parameters: ps, moment1: ms, moment2: vs, gradients: $0, constants: k) }
                }
            }
        }
        for i in 0..<n {
            let gi = g[i] * k.clip
            let mi = k.beta1 * m0[i] + (1 - k.beta1) * gi
            let vi = k.beta2 * v0[i] + (1 - k.beta2) * gi * gi
            let pi = p0[i] - k.learningRate * (mi * k.inverseBC1 / ((vi * k.inverseBC2).squareRoot() + k.epsilon) + k.decay * p0[i])
            #expect(m[i].bitPattern == mi.bitPattern && v[i].bitPattern == vi.bitPattern && p[i].bitPattern == pi.bitPattern,
                    "element \(i) of \(n)")
        }
        let naive = g.reduce(0.0) { $0 + Double($1 * $1) }
        let fast = g.withUnsafeBufferPointer { AdamW.sumOfSquares($0) }
        #expect(abs(fast - naive) <= 1e-6 * max(naive, 1e-30))
    }
}

struct TrainingTests {
    static func data(_ n: Int) -> (Matrix, [Int32]) {
        var rng = RandomStream(key: RandomKey("train-data"))
        var tokens: [Int32] = []
        var images = Matrix(rows: n, cols: 12)
        for i in 0..<n {
            let c = Int32(i % 4)
            for j in 0..<12 { images[i, j] = rng.normal() * 0.3 + (j % 4 == Int(c) ? 1 : 0) }
            tokens += [2 + c, 6, 0, 0]
        }
        return (images, tokens)
    }

    @Test func pretrainingIsDeterministicAndLearns() throws {
        let (m0, _, _) = ModelGradientTests.tiny()
        let (images, tokens) = Self.data(64)
        var config = PretrainConfig()
        config.epochs = 6
        config.batchSize = 16
        var a = m0, b = m0
        let la = try pretrain(&a, images: images, captionTokens: tokens, config: config, key: RandomKey("p"))
        _ = try pretrain(&b, images: images, captionTokens: tokens, config: config, key: RandomKey("p"))
        #expect(a == b)  // bit-identical weights
        #expect(la.last! < la.first!)
        var c = m0
        _ = try pretrain(&c, images: images, captionTokens: tokens, config: config, key: RandomKey("other"))
        #expect(c != a)
    }

    @Test func nonFiniteLossStopsWithTheStep() {
        var (model, _, _) = ModelGradientTests.tiny()
        let (clean, tokens) = Self.data(32)
        var images = clean
        var config = PretrainConfig()
        config.batchSize = 16
        config.epochs = 1
        for i in 0..<images.count { images.storage[i] = .nan }
        #expect(throws: TrainingDiverged.self) {
            try pretrain(&model, images: images, captionTokens: tokens, config: config, key: RandomKey("nan"))
        }
    }

    @Test func evaluationCountsCorrectPredictions() {
        let (model, images, _) = ModelGradientTests.tiny()
        let prompts: [Int32] = [2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0]
        let (p, _) = model.encodeText(prompts)
        let (v, _) = model.encodeImages(images)
        let predicted = matmul(v, .none, p, .transposed).rowArgmax()
        let labels = [predicted[0], predicted[1], (predicted[2] + 1) % 3, predicted[3], (predicted[4] + 1) % 3]
        let r = evaluate(model: model, images: images, labels: labels, promptTokens: prompts,
                         captionTokens: Array(repeating: 2, count: 20), batchSize: 2)
        #expect(abs(r.accuracy - 0.6) < 1e-12)
        #expect(r.imageEmbeddings == v)
        #expect(r.captionEmbeddings?.rows == 5)
    }
}

struct CheckpointTests {
    @Test func roundTripAndCorruption() throws {
        let (model, _, _) = ModelGradientTests.tiny()
        let data = Checkpoint.encode(model)
        let blank = model.zeros()
        #expect(try Checkpoint.decode(data, into: blank) == model)
        var flipped = [UInt8](data)
        flipped[flipped.count / 2] ^= 0x40
        #expect(throws: Checkpoint.Error(description: "checksum mismatch (file truncated or altered)")) {
            try Checkpoint.decode(Data(flipped), into: blank)
        }
        #expect(throws: Checkpoint.Error.self) { try Checkpoint.decode(data.prefix(100), into: blank) }
        var other = model.description
        other.embedding = 8
        let otherModel = DualEncoder(description: other, imageSize: 2, vocabularySize: 9, key: RandomKey("x"))
        #expect(throws: Checkpoint.Error(description: "model description differs from the one expected")) {
            try Checkpoint.decode(data, into: otherModel)
        }
        // Same description, another vocabulary: the token embedding's shape differs.
        let wider = DualEncoder(description: model.description, imageSize: 2, vocabularySize: 10, key: RandomKey("x"))
        #expect(throws: Checkpoint.Error(description: "tensor text.token_embedding has shape 9x5, the model 10x5")) {
            try Checkpoint.decode(data, into: wider)
        }
    }

    /// The byte layout, read back by hand: tensors appear by name, in `forEachTensor` order,
    /// each with its shape and its values, so a reader in any language can load them.
    @Test func tensorsAreStoredByName() throws {
        let (model, _, _) = ModelGradientTests.tiny()
        let b = [UInt8](Checkpoint.encode(model))
        func u32(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 | Int(b[o + 2]) << 16 | Int(b[o + 3]) << 24 }
        #expect(Array(b[0..<8]) == Array("CLVBW002".utf8))
        var o = 8
        let jsonLength = u32(o); o += 4
        let description = try JSONDecoder().decode(ModelDescription.self, from: Data(b[o..<(o + jsonLength)]))
        #expect(description == model.description)
        o += jsonLength
        #expect(u32(o) == model.tensors.count); o += 4
        var names: [String] = []
        for t in model.namedTensors {
            let n = u32(o); o += 4
            names.append(String(decoding: b[o..<(o + n)], as: UTF8.self)); o += n
            #expect(u32(o) == t.value.rows && u32(o + 4) == t.value.cols); o += 8
            let first = Float(bitPattern: UInt32(u32(o)))
            #expect(first == t.value.storage[0])
            o += 4 * t.value.count
        }
        #expect(names == ["vision.layer0.weight", "vision.layer0.bias", "vision.layer1.weight", "vision.layer1.bias",
                          "text.token_embedding", "text.position_embedding", "text.layer0.weight", "text.layer0.bias",
                          "text.layer1.weight", "text.layer1.bias", "logit_scale"])
        #expect(o == b.count - 8)
    }

    @Test func cacheRebuildsCorruptFiles() throws {
        let (model, _, _) = ModelGradientTests.tiny()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
        let cache = PretrainCache(directory: dir)
        let blank = model.zeros()
        #expect(cache.load(key: "k", template: blank) == nil)
        try cache.store(model, key: "k")
        #expect(cache.load(key: "k", template: blank) == model)
        try Data("garbage".utf8).write(to: cache.url(key: "k"))
        #expect(cache.load(key: "k", template: blank) == nil)
        #expect(!FileManager.default.fileExists(atPath: cache.url(key: "k").path))
    }
}
