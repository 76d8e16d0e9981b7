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
        #expect(s.world.kind == "emoji")
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
        // 120 orders x 3 seeds x 2 λ x 3 models x 2 protocols; 36 groups of 325 shared stages.
        #expect(plan.cells.count == 120 * 3 * 2 * 3 * 2 && plan.stagesWithSharing == 36 * 325 && plan.stagesWithoutSharing == 36 * 600)
    }

    @Test func estimateFromBenchFigures() throws {
        // smoke: 3 latin orders of 3 environments (+1 held out), 2 methods, 1 seed; 64 train and
        // 30 evaluation samples, 2 epochs of batch 32, Shapley on.
        let plan = Plan(suite: try load("smoke"))
        let e = PlanEstimate(plan: plan, stepsPerSecond: 100, imagesPerSecond: 1000, jobs: 2)
        #expect(e.stepsPerStage == 2 * 2 && e.imagesPerStage == 4 * 30 * 7)
        #expect(abs(e.secondsPerStage - (4.0 / 100 + 840.0 / 1000)) < 1e-12)
        #expect(e.stages == plan.stagesWithSharing && e.stages == 2 * 9)
        #expect(abs(e.seconds - 18 * 0.88 / 2) < 1e-9)
        #expect(abs(e.secondsWithoutSharing - Double(plan.stagesWithoutSharing) * 0.88 / 2) < 1e-9)
        #expect(PlanEstimate.duration(42.4) == "42 s" && PlanEstimate.duration(450) == "7 min 30 s" && PlanEstimate.duration(7500) == "2 h 05 min")
    }
}
