import Environments
import Foundation
import Linalg
import Model
import Testing
@testable import Harness

/// The pretraining cache is keyed by what the weights depend on, code included through
/// `Pretrained.trainingVersion`. This pins the tiny world's pretrained weights, so a change that
/// moves them cannot land without the bump that keeps stale caches from being reused.
struct PretrainingPinTests {
    /// Exact digest of every weight's bits, per OpenBLAS core: other kernels give other bits
    /// (TECH-NOTES), so on a core not listed only the sums below are checked.
    static let digests: [String: String] = [
        // Measured 2026-12-04 on an AMD EPYC with OpenBLAS 0.3.21, one core type at a time
        // through OPENBLAS_CORETYPE; Σw moved by at most 2e-6 between them. The Cooperlake
        // digest is also what commit 2efb1fa (2026-12-03) pretrains: no change since then.
        "Cooperlake": "ea443c5ed6fe5f18", "SkylakeX": "ea443c5ed6fe5f18",
        "Haswell": "2774361628eb8c4b", "Zen": "2774361628eb8c4b",
        "Sandybridge": "98723b3f0b1f0dde", "Prescott": "fda339584d8c6a2b",
    ]

    /// Σw and Σw² of each tensor, to a relative 1e-4: 700x the spread between OpenBLAS kernels
    /// here, and a tenth of what scaling the learning rate by 1.0001 does.
    static let sums: [String: (sum: Double, squares: Double)] = [
        "logit_scale": (2.6502418518066406, 7.023781873067492),
        "text.layer0.bias": (0.05671206448459998, 0.0010081439911442214),
        "text.layer0.weight": (-9.166191701835487, 74.77161566425124),
        "text.layer1.bias": (-0.014429836650379002, 0.0005865129587144924),
        "text.layer1.weight": (-4.673304744355846, 34.390450789169364),
        "text.position_embedding": (0.3654168245411711, 2.664266921686458),
        "text.token_embedding": (15.458260634390172, 689.5083084181468),
        "vision.layer0.bias": (0.0040777872782200575, 0.0008485381668959145),
        "vision.layer0.weight": (-13.681304661808099, 64.73608314696143),
        "vision.layer1.bias": (-0.0274705778574571, 0.0005753001279467057),
        "vision.layer1.weight": (-10.961493626105948, 30.836535679987225),
    ]

    static func fingerprint(_ model: DualEncoder) -> (digest: String, sums: [String: (sum: Double, squares: Double)]) {
        var hasher = StableHasher()
        var sums: [String: (sum: Double, squares: Double)] = [:]
        for t in model.namedTensors {
            hasher.feed(t.name)
            var s = 0.0, q = 0.0
            for v in t.value.storage {
                hasher.feed(UInt64(v.bitPattern))
                s += Double(v); q += Double(v) * Double(v)
            }
            sums[t.name] = (s, q)
        }
        return (String(hasher.finish(), radix: 16), sums)
    }

    @Test func theTinyWorldsPretrainedWeightsArePinned() throws {
        let (digest, sums) = Self.fingerprint(TinySettings.prepared.pretrained)
        let bump = "pretraining's result moved: if that is intended, bump Pretrained.trainingVersion (now \(Pretrained.trainingVersion)) so caches written by older code are not reused, and update the pins in PretrainingPinTests.swift"
        #expect(sums.count == Self.sums.count, "\(bump) (tensor count)")
        for (name, pinned) in Self.sums {
            guard let v = sums[name] else { Issue.record("\(bump) (tensor \(name) missing)"); continue }
            #expect(abs(v.sum - pinned.sum) <= 1e-4 * max(1, abs(pinned.sum)), "\(bump) (Σw of \(name): \(v.sum), pinned \(pinned.sum))")
            #expect(abs(v.squares - pinned.squares) <= 1e-4 * max(1, pinned.squares), "\(bump) (Σw² of \(name): \(v.squares), pinned \(pinned.squares))")
        }
        if let pinned = Self.digests[BLASRuntime.coreName] {
            #expect(digest == pinned, "\(bump) (bits on core \(BLASRuntime.coreName): digest \(digest))")
        }
    }

    @Test func theCacheKeyNamesTheTrainingVersion() throws {
        let s = TinySettings.make()
        let world = try s.world.makeWorld(similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        let (tokenizer, _) = try TextInputs.make(s.model.text, world: world)
        func key(_ v: Int) -> String {
            Pretrained.cacheKey(world: s.world, model: s.model, imageSize: world.imageSize, pretrain: s.pretrain,
                                tokenizer: tokenizer, trainingVersion: v)
        }
        #expect(key(Pretrained.trainingVersion) == Pretrained.cacheKey(world: s.world, model: s.model, imageSize: world.imageSize,
                                                                        pretrain: s.pretrain, tokenizer: tokenizer))
        #expect(key(Pretrained.trainingVersion) != key(Pretrained.trainingVersion + 1))
    }

    /// The seed comes from the weights' inputs without the code version, so a bump invalidates
    /// caches without drawing a new model (the weights above are those before the version existed).
    @Test func bumpingTheVersionKeepsTheSeed() throws {
        let s = TinySettings.make()
        let world = try s.world.makeWorld(similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        let (tokenizer, _) = try TextInputs.make(s.model.text, world: world)
        let identity = Pretrained.seedIdentity(world: s.world, model: s.model, imageSize: world.imageSize, pretrain: s.pretrain,
                                               tokenizer: tokenizer)
        #expect(!identity.contains("training-"))
        #expect(identity.hasSuffix("format-1"))
    }
}
