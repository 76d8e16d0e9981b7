import Analysis
import Environments
import Foundation
import Linalg
import Model
import Testing
@testable import Harness

/// A world and model small enough for tests to train in well under a second.
enum TinySettings {
    static func make(seed: Int = 0) -> ExperimentSettings {
        var s = ExperimentSettings()
        var w = ProceduralWorldConfig()
        w.seed = seed
        w.imageSize = 8
        w.trainedEnvironments = 3
        w.heldOutEnvironments = 1
        w.classesPerEnvironment = 3
        w.trainSamples = 64
        w.evaluationSamples = 30
        s.world = .procedural(w)
        s.model = ModelDescription(vision: .mlp(MLPVisionDescription(hidden: [32])),
                                   text: .bag(BagTextDescription(width: 16, hidden: [32])), embedding: 16)
        s.pretrain.samples = 256
        s.pretrain.epochs = 2
        s.pretrain.batchSize = 64
        s.budget.epochs = 2
        s.budget.batchSize = 32
        s.cacheDirectory = nil
        return s
    }

    static let prepared: PreparedWorld = try! PreparedWorld(settings: make(), similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
}

struct CellRunnerTests {
    @Test func cellsAreDeterministicAndConsistent() throws {
        let s = TinySettings.make(), p = TinySettings.prepared
        let a = try p.runCell(settings: s, order: ["env1", "env2", "env3"], method: "finetune", parameters: [:], seed: 3)
        let b = try p.runCell(settings: s, order: ["env1", "env2", "env3"], method: "finetune", parameters: [:], seed: 3)
        #expect(a.accuracy == b.accuracy && a.loss == b.loss)
        #expect(a.columns == ["env1", "env2", "env3", "heldout1"])
        #expect(a.accuracy.count == 4 && a.accuracy.allSatisfy { $0.count == 4 })
        // Contributions: one per (earlier, stage) pair, forgetting = R[t-1][s] - R[t][s].
        #expect(a.contributions.count == 3)
        for c in a.contributions {
            let s = a.columns.firstIndex(of: c.earlier)!
            #expect(abs(c.forgetting - (a.accuracy[c.stage - 1][s] - a.accuracy[c.stage][s])) < 1e-12)
            #expect(c.scores.allSatisfy { $0.isFinite && abs($0) <= 1 + 1e-9 })
        }
        // Metrics are those of the accuracy matrix.
        let m = continualMetrics(try AccuracyMatrix(values: a.accuracy, heldOutCount: 1))
        #expect(m == a.metrics)
    }

    @Test func shapleyAttributionsAreEfficient() throws {
        let s = TinySettings.make(), p = TinySettings.prepared
        let r = try p.runCell(settings: s, order: ["env2", "env3"], method: "finetune", parameters: [:], seed: 0)
        // Every environment of the world is attributed at every stage, trained or not.
        #expect(r.attributions.count == 2 * 4)
        for a in r.attributions {
            guard let col = r.columns.firstIndex(of: a.environment) else { continue }
            let change = r.accuracy[a.stage][col] - r.accuracy[a.stage - 1][col]
            #expect(abs(a.accuracy.ordered.reduce(0, +) - change) < 1e-9)
            let lossChange = r.loss[a.stage][col] - r.loss[a.stage - 1][col]
            #expect(abs(a.loss.ordered.reduce(0, +) - lossChange) < 1e-6 * max(1, abs(lossChange)))
        }
    }

    /// Cells that share an order prefix train it identically, which planning relies on.
    @Test func sharedPrefixesGiveIdenticalRows() throws {
        let s = TinySettings.make(), p = TinySettings.prepared
        let a = try p.runCell(settings: s, order: ["env1", "env2", "env3"], method: "ewc", parameters: [:], seed: 1)
        let b = try p.runCell(settings: s, order: ["env1", "env2"], method: "ewc", parameters: [:], seed: 1)
        // Columns differ (env3 missing in b), so compare the shared columns of rows 0...2.
        for t in 0...2 {
            #expect(a.accuracy[t][0] == b.accuracy[t][0] && a.accuracy[t][1] == b.accuracy[t][1])
        }
    }

    @Test func badOrdersAndMethodsAreNamed() {
        let s = TinySettings.make(), p = TinySettings.prepared
        #expect(throws: (any Error).self) { try p.runCell(settings: s, order: ["heldout1"], method: "finetune", parameters: [:], seed: 0) }
        do {
            _ = try p.runCell(settings: s, order: ["env1"], method: "ewc", parameters: ["lambda": -1], seed: 0)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("parameter 'lambda'"))
        }
    }
}

/// The attribution on a constructed stage whose update moves only the vision tower: every
/// coalition without vision is the model before, so vision gets the whole accuracy change and
/// language and shared get exactly nothing. With the groups' bits or the players' order
/// swapped, language would get it instead.
struct ShapleyConstructedTests {
    @Test func onlyTheVisionUpdateChangesAccuracyAndVisionGetsAllOfIt() throws {
        let s = TinySettings.make(), p = TinySettings.prepared
        let runner = CellRunner(data: p.data, budget: s.budget, shapley: true)
        var after = p.pretrained
        var rng = RandomStream(key: RandomKey("vision-only update"))
        after.forEachTensor { _, group, m in
            guard group == .vision else { return }
            for i in m.storage.indices { m.storage[i] += 0.3 * rng.normal() }
        }
        let now = runner.evaluateAll(after)
        let attributions = runner.attribute(stage: 1, before: p.pretrained, after: after, prev: p.baseline, now: now)
        #expect(attributions.map(\.environment) == p.data.names)
        var moved = 0
        for (e, a) in attributions.enumerated() {
            let change = now.accuracy[e] - p.baseline.accuracy[e]
            if change != 0 { moved += 1 }
            #expect(abs(a.accuracy.vision - change) < 1e-12, "\(a.environment)")
            #expect(abs(a.accuracy.language) < 1e-12, "\(a.environment)")
            #expect(abs(a.accuracy.shared) < 1e-12, "\(a.environment)")
        }
        #expect(moved > 0, "the perturbation should change some environment's accuracy")
    }
}

/// Attribution from the checkpoints' embeddings against the six coalition models evaluated in
/// full, on a stage that moved every group: the same values bit for bit (and the same as a
/// hand-mixed model's evaluation for one coalition, which the reference itself could get wrong).
struct ShapleyFromEmbeddingsTests {
    @Test func equalsEvaluatingEveryCoalitionModel() throws {
        let s = TinySettings.make(), p = TinySettings.prepared
        let runner = CellRunner(data: p.data, budget: s.budget, shapley: true)
        var after = p.pretrained
        var rng = RandomStream(key: RandomKey("every group moves"))
        after.forEachTensor { _, _, m in for i in m.storage.indices { m.storage[i] += 0.2 * rng.normal() } }
        let now = runner.evaluateAll(after)
        let fast = runner.attribute(stage: 2, before: p.pretrained, after: after, prev: p.baseline, now: now)
        let reference = runner.attributeByEvaluation(stage: 2, before: p.pretrained, after: after, prev: p.baseline, now: now)
        #expect(fast.count == p.data.names.count)
        #expect(fast.map(\.accuracy) == reference.map(\.accuracy))
        #expect(fast.map(\.loss) == reference.map(\.loss))
        #expect(fast.map(\.environment) == reference.map(\.environment) && fast.allSatisfy { $0.stage == 2 })
        // Coalition {language}: the old text tower replaced by the new one, scored in full.
        var mixed = p.pretrained
        mixed.text = after.text
        let ev = p.data.evaluation[0]
        let full = evaluate(model: mixed, images: ev.images, labels: ev.labels, promptTokens: ev.promptTokens)
        let parts = scoreEmbeddings(p.baseline.images[0], labels: ev.labels, prompts: now.prompts[0]!, scale: p.pretrained.logitScale)
        #expect(parts.accuracy == full.accuracy && parts.loss == full.loss)
    }
}
