import Foundation
import Testing
@testable import Harness

/// Sharding the paper's ordering suites (`clvbench run --shard i/n`, which `plan --slurm
/// --shards n` writes as array task i): the shards cover every cell exactly once and keep every
/// shared prefix in one shard, so no stage is trained twice. By design a shard takes whole cell
/// groups (similarity, model, protocol, method, seed), balanced by their estimated costs (ShardCost).
/// Nothing is trained.
struct PaperShardTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// paper-orders-semantic.yaml's axes scaled down: two models, both protocols, clip_weights
    /// {0, 1}, two seeds, all 6 orders of 3 environments (15 shared stages a group; the frozen
    /// λ variants share one group, as they train the same heads).
    static let scaled = """
        name: paper-orders-scaled
        seed: 0
        world:
          kind: procedural
          trained: 3
          held_out: 1
          classes: 4
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
        analysis:
          shapley: false
        """

    static func paperSuite() throws -> Suite {
        try Suite.load(path: root.appendingPathComponent("benchmarks/paper-orders-semantic.yaml").path)
    }

    /// Everything a trained prefix depends on besides the code: the group's axes and the prefix.
    static func prefixKeys(_ g: CellGroup) -> Set<String> {
        var keys = Set<String>()
        for c in g.cells {
            for k in 1...c.order.count {
                keys.insert("sv=\(g.similarity.sv) sl=\(g.similarity.sl) model=\(g.modelIndex) protocol=\(g.trainingProtocol.rawValue) "
                    + "method=\(g.methodIndex) seed=\(g.seed) prefix=\(c.order.prefix(k).joined(separator: ">"))")
            }
        }
        return keys
    }

    func check(_ plan: Plan, shards n: Int) {
        let shards = (0..<n).map { plan.shard($0, of: n) }
        // Every cell exactly once: the shards' hashes, counted with multiplicity, are the plan's.
        let hashes = shards.flatMap { $0.flatMap { $0.cells.map(\.hash) } }
        #expect(hashes.count == plan.cells.count && Set(hashes) == Set(plan.cells.map(\.hash)), "\(n) shards")
        #expect(Set(plan.cells.map(\.hash)).count == plan.cells.count)
        // Whole groups: each shard's group is one of the plan's, with all its cells.
        let planGroups = Dictionary(uniqueKeysWithValues: plan.groups.map { (Set($0.cells.map(\.hash)), $0.cells.count) })
        for g in shards.joined() { #expect(planGroups[Set(g.cells.map(\.hash))] == g.cells.count) }
        // No prefix in two shards (brute force over every prefix of every cell), so the shards
        // together train exactly the plan's shared stages.
        var owner: [String: Int] = [:]
        for (i, shard) in shards.enumerated() {
            for g in shard {
                for key in Self.prefixKeys(g) {
                    #expect(owner[key] == nil || owner[key] == i, "prefix \(key) in shards \(owner[key]!) and \(i)")
                    owner[key] = i
                }
            }
        }
        #expect(owner.count == plan.stagesWithSharing)
        #expect(shards.reduce(0) { $0 + $1.reduce(0) { $0 + $1.sharedStages } } == plan.stagesWithSharing)
        // Balanced by estimated cost (longest first onto the lightest shard): the spread between
        // shards is within the dearest group's cost.
        let costs = ShardCost.groupCosts(plan)
        let costOf = Dictionary(uniqueKeysWithValues: plan.groups.indices.map { (plan.groups[$0].cells[0].hash, costs[$0]) })
        let loads = shards.map { $0.reduce(0.0) { $0 + costOf[$1.cells[0].hash]! } }
        #expect(loads.max()! - loads.min()! <= costs.max()! * (1 + 1e-12), "\(loads)")
        // Every process computes the same partition from the suite alone.
        #expect(plan.shard(n - 1, of: n).map { $0.cells.map(\.hash) } == Plan(suite: plan.suite).shard(n - 1, of: n).map { $0.cells.map(\.hash) })
    }

    @Test(arguments: [1, 2, 3, 5, 8, 16, 17])
    func scaledCopyShardsCoverEveryCellOnceAndKeepPrefixesWhole(shards: Int) throws {
        let plan = Plan(suite: try SuiteParser(file: "scaled.yaml", text: Self.scaled).parse())
        // 6 orders x 2 seeds x 2 λ x 2 protocols x 2 models; per model and seed two adaptive groups
        // (one per λ) and one frozen group (both λ): 12 groups of 15 shared stages.
        #expect(plan.cells.count == 96 && plan.groups.count == 12 && plan.stagesWithSharing == 12 * 15)
        #expect(plan.stagesSavedByFrozenLambdaSharing == 4 * 15)
        check(plan, shards: shards)
        // More shards than groups: the extra shards are empty, none is split.
        if shards > plan.groups.count { #expect((0..<shards).filter { plan.shard($0, of: shards).isEmpty }.count == shards - plan.groups.count) }
    }

    /// The real suite: 4,320 cells in 27 groups of 325 shared stages (8,775 stages; 11,700 before
    /// the frozen λ variants shared their heads).
    @Test(arguments: [4, 12, 36, 40])
    func paperOrdersSemanticShards(shards: Int) throws {
        let plan = Plan(suite: try Self.paperSuite())
        #expect(plan.cells.count == 4320 && plan.groups.count == 27 && plan.stagesWithSharing == 8_775)
        #expect(plan.stagesSavedByFrozenLambdaSharing == 11_700 - 8_775)
        check(plan, shards: shards)
    }

    /// The Slurm array task i runs `--shard i/n`, which the run command reads as shard i - 1 of n.
    @Test func slurmArrayTasksAreTheShards() throws {
        let s = try Self.paperSuite()
        let script = SlurmScript(suitePath: "/x/suite.yaml", suiteName: s.name, shards: 12, cpusPerTask: 2, executable: "/x/clvbench",
                                 workingDirectory: "/x", outputDirectory: "/x/out", database: "/x/db.sqlite")
        #expect(script.arrayScript.contains("#SBATCH --array=1-12"))
        #expect(script.arrayScript.contains("--shard \"${SLURM_ARRAY_TASK_ID}/12\""))
    }
}
