import Foundation
import Testing
import Continual
import ResultStore
@testable import Harness

/// Under the frozen protocol the CLIP term cannot move the fixed encoders, so cells that differ
/// only in clip_weight (λ) train the same heads: the plan trains them once and stores a run for
/// each cell. The stored rows must equal, bit for bit, what training each cell by itself gives.
struct FrozenLambdaSharingTests {
    static func suite(_ protocols: String, methods: String = "[finetune, joint]") throws -> Suite {
        var s = try SuiteParser(file: "lambda.yaml", text: """
            name: lambda-sharing
            seed: 0
            world: {kind: procedural, image_size: 8, trained: 3, held_out: 1, classes: 3, train_samples: 64, evaluation_samples: 30}
            model: {vision_hidden: [32], text_width: 16, text_hidden: [32], embedding: 16}
            pretraining: {samples: 256, epochs: 2, batch_size: 64}
            training: {epochs: 2, batch_size: 32}
            orders: all
            similarity: {sv: [0.5], sl: [0.5]}
            methods: \(methods)
            clip_weights: [0, 1, 5]
            protocols: \(protocols)
            seeds: [0, 1]
            analysis: {shapley: false}
            """).parse()
        s.settings.cacheDirectory = nil
        return s
    }

    /// The plan: one group per (method family, seed) under frozen, each λ's cells inside it; the
    /// adaptive groups stay one per method and λ; the counts are the hand-computed ones.
    @Test func thePlanTrainsEachFrozenHeadOnceAndCountsTheSaving() throws {
        let both = Plan(suite: try Self.suite("[frozen, adaptive]"))
        // 6 orders of 3 environments: 3 + 6 + 6 = 15 distinct prefixes a group.
        // Methods: finetune, joint at λ 0, 1, 5 (6 methods); seeds 0, 1.
        let frozen = both.groups.filter { $0.trainingProtocol == .frozen }, adaptive = both.groups.filter { $0.trainingProtocol == .adaptive }
        #expect(frozen.count == 2 * 2 && adaptive.count == 6 * 2)
        #expect(frozen.allSatisfy { $0.cells.count == 3 * 6 && $0.methodIndices.count == 3 && $0.sharedStages == 15 })
        #expect(adaptive.allSatisfy { $0.cells.count == 6 && $0.methodIndices.count == 1 && $0.sharedStages == 15 })
        let s = both.suite
        for g in frozen {
            // Every cell of the group is the training method's λ variant.
            #expect(g.cells.allSatisfy { s.methods[$0.methodIndex].identityWithoutObjective == s.methods[g.methodIndex].identityWithoutObjective })
        }
        #expect(both.stagesWithSharing == 4 * 15 + 12 * 15 && both.stagesWithoutSharing == 72 * 3 * 2)
        #expect(both.stagesSavedByFrozenLambdaSharing == 4 * 2 * 15)
        // Every cell in exactly one group; cells and their hashes as before (grid order).
        #expect(both.groups.flatMap { $0.cells.map(\.hash) }.sorted() == both.cells.map(\.hash).sorted())
        #expect(Set(both.cells.map(\.hash)).count == both.cells.count)
        // The adaptive suite alone: nothing shared, nothing saved.
        #expect(Plan(suite: try Self.suite("[adaptive]")).stagesSavedByFrozenLambdaSharing == 0)
    }

    /// The suite runner trains each frozen prefix once for all λ, and every stored row of every
    /// cell equals the row of the same cell trained by itself (`PreparedWorld.runCell`, one cell,
    /// no sharing), bit for bit; only the wall time and finish time differ.
    @Test func storedRowsEqualSeparateTrainingBitForBit() throws {
        let suite = try Self.suite("[frozen]")
        let plan = Plan(suite: suite)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lambda-sharing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let shared = try Store(path: dir.appendingPathComponent("shared.sqlite").path)
        var options = RunOptions()
        options.jobs = 2
        options.quiet = true
        let runner = SuiteRunner(plan: plan, store: shared, options: options)
        let summary = try runner.run()
        #expect(summary.done == 72 && summary.failed == 0 && summary.diverged == 0)
        #expect(summary.stagesTrained == plan.stagesWithSharing && summary.stagesTrained == 2 * 2 * 15)

        // Each cell alone, stored through the same record builder.
        let separate = try Store(path: dir.appendingPathComponent("separate.sqlite").path)
        let prepared = try PreparedWorld(settings: runner.settings(model: 0), similarity: suite.similarities[0])
        for cell in plan.cells {
            let m = suite.methods[cell.methodIndex]
            let result = try prepared.runCell(settings: runner.settings(model: 0), order: cell.order, method: m.name, parameters: m.parameters,
                                              seed: cell.seed, trainingProtocol: .frozen)
            // runCell's stage seeds use suite seed 0, this suite's seed.
            try separate.insert(RunRecordBuilder.record(suite: suite, cell: cell, result: result, status: .done, message: nil,
                                                        seconds: 0, provenance: runner.provenance))
        }
        func normalised(_ s: Store) throws -> [String: RunRecord] {
            Dictionary(uniqueKeysWithValues: try s.loadRuns().map { run -> (String, RunRecord) in
                var r = run.record
                r.wallSeconds = 0
                r.finishedAt = ""
                return (r.cellHash, r)
            })
        }
        let a = try normalised(shared), b = try normalised(separate)
        #expect(a.count == 72 && Set(a.keys) == Set(b.keys))
        for (hash, r) in a {
            #expect(r == b[hash]!, "cell \(hash) (\(r.methodLabel), seed \(r.seed), \(r.order.joined(separator: ">")))")
        }
        // Each λ variant is stored under its own label and parameters, with the same results.
        let byLabel = Dictionary(grouping: a.values) { $0.methodLabel }
        #expect(byLabel.keys.sorted() == suite.methods.map(\.label).sorted())
        let f0 = a.values.first { $0.methodName == "finetune" && $0.methodParameters == "{}" && $0.seed == 1 }!
        let f5 = a.values.first { $0.methodName == "finetune" && $0.methodParameters.contains("clip_weight") && $0.methodParameters.contains("5")
            && $0.seed == 1 && $0.order == f0.order }!
        #expect(f0.cellHash != f5.cellHash && f0.accuracy == f5.accuracy && f0.metrics == f5.metrics)
    }
}
