import Foundation
import Linalg
import Model
import Testing
@testable import Continual

/// CBF (our reading of the paper's T2): its factors from sample pairs, the mask, the scaled step.
struct CBFTests {
    func cosineMean(_ a: Matrix, _ b: Matrix) -> Double {
        var s = 0.0
        for i in 0..<a.rows {
            for j in 0..<b.rows {
                var d = 0.0, na = 0.0, nb = 0.0
                for c in 0..<a.cols {
                    d += Double(a[i, c]) * Double(b[j, c]); na += Double(a[i, c] * a[i, c]); nb += Double(b[j, c] * b[j, c])
                }
                s += d / (na * nb).squareRoot()
            }
        }
        return s / Double(a.rows * b.rows)
    }

    @Test func factorsFollowTheCrossModalScores() throws {
        let model = Fixture.model()
        let envs = (0..<3).map { ObjectiveTests.environment($0, samples: 24) }
        let f = try CBF.balance(model: model, earlier: Array(envs.prefix(2)), current: envs[2])
        let vNew = model.encodeImages(envs[2].trainImages).embeddings, lNew = model.encodeText(envs[2].trainCaptionTokens).embeddings
        var it = 0.0, ti = 0.0
        for e in envs.prefix(2) {
            it += cosineMean(model.encodeImages(e.trainImages).embeddings, lNew)
            ti += cosineMean(model.encodeText(e.trainCaptionTokens).embeddings, vNew)
        }
        #expect(it + ti > 0)
        #expect(abs(f.vision - ti / (it + ti)) < 1e-5 && abs(f.vision + f.language - 1) < 1e-12)
        #expect(try CBF.balance(model: model, earlier: [], current: envs[0]) == (1, 1))
    }

    func stage(_ method: inout any ContinualMethod, _ model: inout DualEncoder, _ n: Int) throws {
        var b = TrainingBudget()
        b.epochs = 1
        b.batchSize = 16
        try method.train(&model, StageContext(stage: n, environments: (0..<n).map { ObjectiveTests.environment($0) },
                                              key: RandomKey("cbf", .int(n)), budget: b))
    }

    @Test func theMaskTrainsOneTowerAndStageOneIsFineTuning() throws {
        var cbf: any ContinualMethod = try MethodCatalog.make(name: "cbf", parameters: ["binary": 1])
        var plain: any ContinualMethod = try MethodCatalog.make(name: "finetune")
        var a = Fixture.model(), b = Fixture.model()
        try stage(&cbf, &a, 1)
        try stage(&plain, &b, 1)
        #expect(a.tensors.map(\.value.storage) == b.tensors.map(\.value.storage))
        let f = try CBF.balance(model: a, earlier: [ObjectiveTests.environment(0)], current: ObjectiveTests.environment(1))
        let kept: ParameterGroup = f.vision >= f.language ? .vision : .language
        let before = a.tensors
        try stage(&cbf, &a, 2)
        for (x, y) in zip(before, a.tensors) {
            if x.group == kept { #expect(x.value.storage != y.value.storage) }
            if x.group != kept && x.group != .shared { #expect(x.value.storage == y.value.storage) }
        }
    }

    @Test func scaledStepMovesEachGroupByItsFactor() {
        let before = Fixture.model()
        var after = before
        after.forEachTensor { _, _, t in for i in 0..<t.count { t.storage[i] += 1 } }
        var scaled = after
        scaleStep(&scaled, from: before.tensors, by: [.vision: 0.25, .language: 0])
        for (k, t) in scaled.tensors.enumerated() {
            let b = before.tensors[k].value.storage
            let expected: Float = t.group == .vision ? 0.25 : (t.group == .language ? 0 : 1)
            #expect(zip(t.value.storage, b).allSatisfy { abs(($0 - $1) - expected) < 1e-6 })
        }
    }

    @Test func noCaptionsIsNamed() throws {
        var m = Fixture.model()
        var cbf: any ContinualMethod = try MethodCatalog.make(name: "cbf")
        let bare = StageContext(stage: 2, environments: [Fixture.bare(0), Fixture.environment(1)], key: RandomKey("bare"),
                                budget: Fixture.context(stage: 1).budget)
        #expect(throws: MethodError("cbf needs training captions, and environment 'e0' has none")) {
            try cbf.train(&m, bare)
        }
    }
}
