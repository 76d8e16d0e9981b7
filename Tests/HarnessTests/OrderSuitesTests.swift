import Foundation
import Testing
@testable import Harness

/// The ordering suites (issue 17) and the plan's time estimate.
struct OrderSuitesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    func load(_ name: String) throws -> Suite { try Suite.load(path: Self.root.appendingPathComponent("benchmarks/\(name).yaml").path) }

    @Test func ordersSuiteTrains325StagesPerSeedInsteadOf600() throws {
        let s = try load("orders")
        #expect(s.name == "orders" && s.orders.count == 120 && s.seeds == [0, 1, 2] && s.methods.count == 1 && s.models.count == 1)
        #expect(s.world.kind == "emoji" && s.protocols == [.frozen])  // the paper's T3 setting, within the 10-minute budget
        let plan = Plan(suite: s)
        // 5 + 20 + 60 + 120 + 120 distinct prefixes per group.
        #expect(plan.groups.count == 3 && plan.groups.allSatisfy { $0.sharedStages == 325 && $0.unsharedStages == 600 })
        #expect(plan.stagesWithSharing == 975 && plan.stagesWithoutSharing == 1800)
    }

    @Test(arguments: ["semantic", "taxonomic"]) func paperStudySuites(family: String) throws {
        let s = try load("paper-orders-\(family)")
        #expect(s.orders.count == 120 && s.seeds.count == 3 && s.models.map(\.name) == ["mlp-bag", "vit-bag", "vit-minilm"])
        #expect(s.methods.map(\.label) == ["finetune", "finetune(clip_weight=1)"] && s.protocols == [.frozen, .adaptive])
        let plan = Plan(suite: s)
        // 120 orders x 3 seeds x 2 λ x 3 models x 2 protocols; 27 groups of 325 shared stages (the
        // frozen λ variants share a group: 36 groups before).
        #expect(plan.cells.count == 120 * 3 * 2 * 3 * 2 && plan.groups.count == 27)
        #expect(plan.stagesWithSharing == 27 * 325 && plan.stagesWithoutSharing == 36 * 600 && plan.stagesSavedByFrozenLambdaSharing == 9 * 325)
    }

    @Test func estimateFromBenchFigures() throws {
        // smoke: 3 latin orders of 3 environments (+1 held out), 2 methods, 1 seed; 64 train and
        // 30 evaluation samples, 2 epochs of batch 32, Shapley on (scored from the checkpoints'
        // embeddings: no extra reading).
        let plan = Plan(suite: try load("smoke"))
        let e = PlanEstimate(plan: plan, rates: ["mlp-bag": ModelRates(stepsPerSecond: 100, imagesPerSecond: 1000)], jobs: 2)
        #expect(e.stepsPerStage == 2 * 2 && e.imagesPerStage == 4 * 30)
        let perStage: Double = 4.0 / 100 + 120.0 / 1000
        #expect(close(e.rows.first?.secondsPerAdaptiveStage, perStage))
        #expect(e.stages == plan.stagesWithSharing && e.stages == 2 * 9)
        #expect(abs(e.seconds - 18 * 0.16 / 2) < 1e-9)
        #expect(abs(e.secondsWithoutSharing - Double(plan.stagesWithoutSharing) * 0.16 / 2) < 1e-9)
        #expect(PlanEstimate.duration(42.4) == "42 s" && PlanEstimate.duration(450) == "7 min 30 s" && PlanEstimate.duration(7500) == "2 h 05 min")
    }

    /// Two models x two protocols x clip_weights {0, 1} x 2 seeds, all 6 orders of 3 environments
    /// (+1 held out), 100 train and 50 evaluation samples, 2 epochs of batch 32, Shapley on.
    static let axesSuite = """
        name: estimate-axes
        seed: 0
        world:
          kind: procedural
          trained: 3
          held_out: 1
          classes: 4
          image_size: 24
          train_samples: 100
          evaluation_samples: 50
        orders: all
        similarity:
          sv: [0.5]
          sl: [0.5]
        models: [mlp-bag, vit-bag]
        methods: [finetune]
        clip_weights: [0, 1]
        protocols: [frozen, adaptive]
        seeds: [0, 1]
        training:
          epochs: 2
          batch_size: 32
        analysis:
          shapley: true
        """

    /// Per-model figures against a hand computation. A stage: 2 x ceil(100/32) = 8 steps and
    /// reads 4 x 50 = 200 images (Shapley scores the checkpoints' embeddings). Per (model,
    /// adaptive, λ): 2 seed groups of 15 shared (18 unshared) stages; per (model, frozen): 2 seed
    /// groups of 15 shared stages for both λ (36 unshared), the λ variants training one head.
    @Test func perModelEstimateMatchesAHandComputation() throws {
        let plan = Plan(suite: try SuiteParser(file: "axes.yaml", text: Self.axesSuite).parse())
        let mlp = ModelRates(stepsPerSecond: 100, clipFactor: 1.5, imagesPerSecond: 1000, headStepsPerSecond: 2000, frozenImagesPerSecond: 4000)
        var vit = ModelRates(stepsPerSecond: 10, clipFactor: 2, imagesPerSecond: 200)
        // vit-bag without frozen figures: its row has no estimate and the total is mlp-bag's alone.
        let partial = PlanEstimate(plan: plan, rates: ["mlp-bag": mlp, "vit-bag": vit], jobs: 2)
        let m = partial.rows[0], v = partial.rows[1]
        #expect(m.model == "mlp-bag" && m.adaptiveStages == 4 * 15 && m.adaptiveStagesWithoutSharing == 4 * 18)
        #expect(m.frozenStages == 2 * 15 && m.frozenStagesWithoutSharing == 4 * 18)
        // 8/100 + 200/1000; 8/100 x 1.5 + 0.2; 8/2000 + 200/4000; 3 environments x 100 images / 1000.
        #expect(close(m.secondsPerAdaptiveStage, 0.28) && close(m.secondsPerClipStage, 0.32) && close(m.secondsPerFrozenStage, 0.054))
        #expect(close(m.setupSeconds, 0.3))
        // 30 x 0.28 + 30 x 0.32 + 30 x 0.054 + 0.3; unshared 36 x 0.28 + 36 x 0.32 + 72 x 0.054 + 0.3.
        #expect(close(m.work, 19.92) && close(m.workWithoutSharing, 25.788))
        #expect(v.work == nil && v.secondsPerFrozenStage == nil && close(v.secondsPerAdaptiveStage, 1.8))
        #expect(partial.unestimated == ["vit-bag"] && close(partial.seconds, 9.96) && close(partial.secondsWithoutSharing, 12.894))

        vit.headStepsPerSecond = 1000
        vit.frozenImagesPerSecond = 1000
        let full = PlanEstimate(plan: plan, rates: ["mlp-bag": mlp, "vit-bag": vit], jobs: 2)
        // 0.8 + 1; 1.6 + 1; 0.008 + 0.2; 300 / 200: 30 x 1.8 + 30 x 2.6 + 30 x 0.208 + 1.5.
        #expect(close(full.rows[1].secondsPerClipStage, 2.6) && close(full.rows[1].secondsPerFrozenStage, 0.208))
        #expect(close(full.rows[1].work, 139.74) && full.unestimated.isEmpty)
        #expect(close(full.seconds, (19.92 + 139.74) / 2))
        #expect(close(full.rows[1].workWithoutSharing, 36 * 1.8 + 36 * 2.6 + 72 * 0.208 + 1.5))

        let text = PlanEstimateText.lines(partial, measuredAt: "2026-12-03", rerun: "RERUN")
        #expect(text.count == 4 && text[0].contains("2026-12-03") && text[0].contains("2 workers"))
        #expect(text[1].contains("mlp-bag") && text[1].contains("adaptive 60 stages (72 unshared) x 0.28 s (0.32 s at clip_weight > 0)")
            && text[1].contains("frozen 30 stages (72 unshared) x 54 ms") && text[1].contains("10 s with sharing, 13 s without"), "\(text[1])")
        #expect(text[2].contains("vit-bag") && text[2].contains("no estimate") && text[2].contains("frozen-stage"), "\(text[2])")
        #expect(text[3] == "estimated 10 s with prefix sharing, 13 s without, on 2 workers for the other models (vit-bag not counted; RERUN)")
    }

    /// Rates from stored figures: the newest of a name wins; the default model falls back to the
    /// training section's step at the nearest batch; a model with no figures is absent.
    @Test func ratesFromStoredFigures() {
        let figures: [(name: String, unit: String, value: Double)] = [
            ("train rate vit-bag", "steps/s", 5), ("evaluation rate vit-bag", "images/s", 100), ("train rate vit-bag", "steps/s", 6),
            ("CLIP term cost vit-bag", "x", 1.25), ("head rate vit-bag", "steps/s", 900), ("frozen evaluation rate vit-bag", "images/s", 800),
            ("train step b=64", "steps/s", 40), ("train step b=128", "steps/s", 20), ("evaluation + embeddings", "images/s", 3000),
        ]
        let r = ModelRates.from(figures: figures, models: ["mlp-bag", "vit-bag", "vit-minilm"], batchSize: 100)
        #expect(r["vit-bag"] == ModelRates(stepsPerSecond: 6, clipFactor: 1.25, imagesPerSecond: 100, headStepsPerSecond: 900, frozenImagesPerSecond: 800))
        #expect(r["mlp-bag"] == ModelRates(stepsPerSecond: 20, imagesPerSecond: 3000))  // 128 is nearer 100 than 64
        #expect(r["vit-minilm"] == nil)
    }

    func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-9 * max(1, abs(b)) } ?? false }
}
