import Foundation
import Linalg
import Model
import Testing
@testable import Continual

/// The objective CE + λ·CLIP: its gradient through both terms, λ = 0 as before, validation.
struct ObjectiveTests {
    /// Fixture environments carry captions: class token, shared word, filler, padding.
    static func environment(_ e: Int, samples: Int = 48) -> EnvironmentData { Fixture.environment(e, samples: samples) }

    func step(_ env: EnvironmentData, rows: [Int]) -> ([Matrix], [ClassificationTerm], [TrainingObjective.Pairs]) {
        let images = env.trainImages.gatherRows(rows)
        let term = ClassificationTerm(imageBatch: 0, promptTokens: env.promptTokens,
                                      targets: oneHot(rows.map { env.trainLabels[$0] }, classes: env.classCount))
        let pairs = TrainingObjective.Pairs(imageBatch: 0, captionTokens: rows.flatMap { env.trainCaptionTokens[($0 * 4)..<($0 * 4 + 4)] },
                                            weight: 1)
        return ([images], [term], [pairs])
    }

    @Test func gradientThroughBothTermsMatchesFiniteDifferences() {
        let model = Fixture.model(), env = Self.environment(0)
        let (batches, terms, pairs) = step(env, rows: Array(0..<12))
        let objective = TrainingObjective(clipWeight: 2.5)
        let r = objective.lossAndGradients(model: model, imageBatches: batches, terms: terms, pairs: pairs)
        #expect(abs(r.loss - (r.crossEntropy + 2.5 * r.clip)) < 1e-12)
        #expect(r.clip == contrastiveStep(model: model, images: batches[0], captionTokens: pairs[0].captionTokens).loss)
        let analytic = r.gradients.tensors
        let h: Float = 1e-3
        var checked = 0
        for (k, t) in model.tensors.enumerated() {
            let probes = t.value.count <= 6 ? Array(0..<t.value.count) : (0..<6).map { $0 * (t.value.count - 1) / 5 }
            for i in probes {
                func loss(_ delta: Float) -> Double {
                    var m = model
                    m.forEachTensor { j, _, x in if j == k { x.storage[i] += delta } }
                    return objective.lossAndGradients(model: m, imageBatches: batches, terms: terms, pairs: pairs).loss
                }
                let numeric = (loss(h) - loss(-h)) / Double(2 * h)
                let a = Double(analytic[k].value.storage[i])
                // Float32 forward, O(1) loss: rounding ~6e-5 at h = 1e-3 (ModelTests' GradientCheck argument).
                #expect(abs(numeric - a) <= 5e-4 + 2e-2 * abs(a), "tensor \(k) entry \(i): numeric \(numeric) analytic \(a)")
                checked += 1
            }
        }
        #expect(checked > 20)
        // The CLIP term really enters: its gradient differs from the cross-entropy one.
        let ce = classificationLoss(model: model, imageBatches: batches, terms: terms).gradients.tensors
        #expect(zip(ce, analytic).contains { $0.value.storage != $1.value.storage })
    }

    @Test func zeroWeightIsCrossEntropyBitForBit() {
        let model = Fixture.model(), env = Self.environment(1)
        let (batches, terms, pairs) = step(env, rows: Array(5..<20))
        let r = TrainingObjective().lossAndGradients(model: model, imageBatches: batches, terms: terms, pairs: pairs)
        let ce = classificationLoss(model: model, imageBatches: batches, terms: terms)
        #expect(r.loss == ce.loss && r.clip == 0)
        #expect(zip(r.gradients.tensors, ce.gradients.tensors).allSatisfy { $0.value.storage == $1.value.storage })
        // A method given clip_weight 0 trains exactly as one not given it.
        var a: any ContinualMethod = try! MethodCatalog.make(name: "finetune")
        var b: any ContinualMethod = try! MethodCatalog.make(name: "finetune", parameters: ["clip_weight": 0])
        #expect(try! Fixture.train(&a, stages: 2).last!.tensors.map(\.value.storage)
                == (try! Fixture.train(&b, stages: 2)).last!.tensors.map(\.value.storage))
    }

    func matchedAlignment(_ m: DualEncoder, _ env: EnvironmentData) -> Double {
        let v = m.encodeImages(env.trainImages).embeddings.l2NormalizedRows().normalized
        let u = m.encodeText(env.trainCaptionTokens).embeddings.l2NormalizedRows().normalized
        var s = 0.0
        for k in 0..<v.rows { for c in 0..<v.cols { s += Double(v[k, c]) * Double(u[k, c]) } }
        return s / Double(v.rows)
    }

    /// T2's mechanism: a larger λ pulls each training image towards its own caption.
    @Test func clipWeightRaisesMatchedAlignment() throws {
        let env = Self.environment(0)
        var b = TrainingBudget()
        b.epochs = 3
        b.batchSize = 16
        let ctx = StageContext(stage: 1, environments: [env], key: RandomKey("objective-align"), budget: b)
        var aligned: [Double] = []
        for lambda in [0.0, 1, 5] {
            var method = try MethodCatalog.make(name: "finetune", parameters: ["clip_weight": lambda])
            var m = Fixture.model()
            try method.train(&m, ctx)
            aligned.append(matchedAlignment(m, env))
        }
        #expect(aligned[0] < aligned[1] && aligned[1] < aligned[2], "\(aligned)")
    }

    @Test func badWeightsAndMissingCaptionsAreNamed() throws {
        #expect(throws: MethodError("method 'finetune': parameter 'clip_weight' must be in 0.0...1000000.0, got -1.0")) {
            try MethodCatalog.make(name: "finetune", parameters: ["clip_weight": -1])
        }
        #expect(throws: MethodError("method 'ewc': parameter 'clip_weight' must be in 0.0...1000000.0, got nan")) {
            try MethodCatalog.make(name: "ewc", parameters: ["clip_weight": .nan])
        }
        #expect(throws: MethodError("method 'replay': parameter 'clip_weight' must be in 0.0...1000000.0, got inf")) {
            try MethodCatalog.make(name: "replay", parameters: ["clip_weight": .infinity])
        }
        var method = try MethodCatalog.make(name: "joint", parameters: ["clip_weight": 1])
        var m = Fixture.model()
        let bare = StageContext(stage: 2, environments: [Fixture.environment(0), Fixture.bare(1)], key: RandomKey("bare"),
                                budget: Fixture.context(stage: 1).budget)
        #expect(throws: MethodError("clip_weight 1.0 needs training captions, and environment 'e1' has none")) {
            try method.train(&m, bare)
        }
    }
}

/// The step into a kept accumulator: a dirty accumulator gives the fresh one's gradients bit
/// for bit, and a frozen tower's skipped backward leaves every other gradient unchanged.
struct AccumulatorStepTests {
    @Test func keptAccumulatorAndFrozenTowersGiveTheSameGradients() {
        let model = Fixture.model(), env = ObjectiveTests.environment(2)
        let (batches, terms, pairs) = ObjectiveTests().step(env, rows: Array(3..<19))
        for objective in [TrainingObjective(), TrainingObjective(clipWeight: 1.5)] {
            let fresh = objective.lossAndGradients(model: model, imageBatches: batches, terms: terms, pairs: pairs)
            var g = model.zeros()
            g.forEachTensor { _, _, m in for i in m.storage.indices { m.storage[i] = 7 } }  // last step's leftovers
            let kept = objective.lossAndGradients(model: model, imageBatches: batches, terms: terms, pairs: pairs, frozen: [], into: &g)
            #expect(kept.loss == fresh.loss && kept.clip == fresh.clip)
            #expect(zip(g.tensors, fresh.gradients.tensors).allSatisfy { $0.value.storage == $1.value.storage })
            for frozen in [Set([ParameterGroup.vision]), [.language], [.vision, .language]] {
                let r = objective.lossAndGradients(model: model, imageBatches: batches, terms: terms, pairs: pairs, frozen: frozen, into: &g)
                #expect(r.loss == fresh.loss)
                for (mine, full) in zip(g.tensors, fresh.gradients.tensors) {
                    if frozen.contains(mine.group) {
                        #expect(mine.value.storage.allSatisfy { $0 == 0 })
                    } else {
                        #expect(mine.value.storage == full.value.storage, "\(mine.group) with \(frozen) frozen")
                    }
                }
            }
        }
        // A model of other shapes gets a fresh accumulator rather than a wrong one.
        var other = Fixture.model().zeros()
        other.logScale = Matrix(rows: 1, cols: 1)
        other.vision = .mlp(MLPVisionTower(layers: []))
        _ = classificationLoss(model: model, imageBatches: batches, terms: terms, into: &other)
        #expect(zip(other.tensors, classificationLoss(model: model, imageBatches: batches, terms: terms).gradients.tensors)
            .allSatisfy { $0.value.storage == $1.value.storage })
    }
}
