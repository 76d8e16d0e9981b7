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
        // through OPENBLAS_CORETYPE; Σw moved by at most 2e-6 between them.
        "Cooperlake": "91c911d965ae562e", "SkylakeX": "91c911d965ae562e",
        "Haswell": "683715f5a7a65efa", "Zen": "683715f5a7a65efa",
        "Sandybridge": "7663f55e86ce90a2", "Prescott": "d8a24a6e0b288481",
    ]

    /// Σw and Σw² of each tensor, to a relative 1e-4: 700x the spread between OpenBLAS kernels
    /// here, and a tenth of what scaling the learning rate by 1.0001 does.
    static let sums: [String: (sum: Double, squares: Double)] = [
        "logit_scale": (2.650249719619751, 7.023823576344569),
        "text.layer0.bias": (0.05889655533246696, 0.0014597135047890483),
        "text.layer0.weight": (15.235980999830645, 65.65891593582454),
        "text.layer1.bias": (-0.025074260076507926, 0.0008221984800957606),
        "text.layer1.weight": (-8.99683707911754, 31.899677508667622),
        "text.position_embedding": (-0.7109712468081852, 2.725811860779736),
        "text.token_embedding": (23.734972582402406, 652.1859252824173),
        "vision.layer0.bias": (0.007321622164454311, 0.0009229715915565352),
        "vision.layer0.weight": (-15.328838432080374, 65.61774865442852),
        "vision.layer1.bias": (0.020522206323221326, 0.0006466707577653249),
        "vision.layer1.weight": (0.6196068807621486, 34.95117785735248),
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
}
