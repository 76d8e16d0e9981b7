import Continual
import Environments
import Foundation
import Linalg
import Model

/// One cell of a suite's grid.
public struct PlannedCell: Sendable, Equatable {
    public var similarity: SimilaritySetting
    /// Index into the suite's models.
    public var modelIndex: Int
    public var trainingProtocol: TrainingProtocol = .adaptive
    public var methodIndex: Int
    public var seed: Int
    public var order: [String]
    /// Hash of everything that determines the cell's result (not the code version).
    public var hash: String
}

/// Cells that share (similarity, model, protocol, method, seed): their orders form a prefix
/// tree, and every prefix is trained once. Under the frozen protocol the group also takes the
/// cells of the other methods that differ from `methodIndex` only in clip_weight (λ): the CLIP
/// term has no gradient through fixed encoders and seeds ignore λ (`identityWithoutObjective`),
/// so they train the very same heads; each such cell keeps its own method, hash and label.
public struct CellGroup: Sendable {
    public var similarity: SimilaritySetting
    public var modelIndex: Int
    public var trainingProtocol: TrainingProtocol = .adaptive
    /// The method that trains the group's stages (the first of its λ variants under frozen).
    public var methodIndex: Int
    public var seed: Int
    public var cells: [PlannedCell]

    /// The methods of the group's cells, in grid order (one, unless frozen λ variants share).
    public var methodIndices: [Int] { cells.map(\.methodIndex).reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } } }

    /// Stages trained with prefix sharing: the number of distinct non-empty prefixes.
    public var sharedStages: Int {
        var prefixes = Set<[String]>()
        for c in cells { for k in 1...c.order.count { prefixes.insert(Array(c.order.prefix(k))) } }
        return prefixes.count
    }

    public var unsharedStages: Int { cells.reduce(0) { $0 + $1.order.count } }
}

/// The deterministic grid of a suite: similarity x model x protocol x method x seed x order,
/// grouped for sharing. The protocol enters a cell's hash only when it is not adaptive, so
/// suites without `protocols:` keep their hashes.
public struct Plan: Sendable {
    public var suite: Suite
    public var cells: [PlannedCell]
    public var groups: [CellGroup]

    public init(suite: Suite) {
        self.suite = suite
        var cells: [PlannedCell] = [], groups: [CellGroup] = []
        let contexts = suite.models.map { Plan.context(suite, model: $0) }
        let trainsAs = Plan.frozenTrainingMethod(suite)
        for sim in suite.similarities {
            for (model, context) in contexts.enumerated() {
              for proto in suite.protocols {
                // Under frozen, where each method's cells train (its first λ variant's group).
                var groupOf: [String: Int] = [:]
                for (mi, method) in suite.methods.enumerated() {
                    for seed in suite.seeds {
                        let host = proto == .frozen ? trainsAs[mi] : mi
                        var group = CellGroup(similarity: sim, modelIndex: model, trainingProtocol: proto, methodIndex: host, seed: seed, cells: [])
                        for order in suite.orders {
                            let identity = [context, "sv=\(sim.sv) sl=\(sim.sl)", "method=\(method.identity)", "seed=\(seed)",
                                            "order=\(order.joined(separator: ">"))"] + (proto == .adaptive ? [] : ["protocol=\(proto.rawValue)"])
                            let cell = PlannedCell(similarity: sim, modelIndex: model, trainingProtocol: proto, methodIndex: mi, seed: seed,
                                                   order: order, hash: StableHasher.hex(identity.joined(separator: "\n")))
                            cells.append(cell)
                            group.cells.append(cell)
                        }
                        if let g = groupOf["\(host) \(seed)"] { groups[g].cells += group.cells } else {
                            groupOf["\(host) \(seed)"] = groups.count
                            groups.append(group)
                        }
                    }
                }
              }
            }
        }
        self.cells = cells
        self.groups = groups
    }

    /// What every cell of one model shares: the world, the model, budgets, analysis, suite seed.
    /// (The model's text sits where the single model's sizes always did, so a suite of the
    /// standard model keeps its cell hashes.)
    static func context(_ s: Suite, model: ModelSpec) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        func json<T: Encodable>(_ v: T) -> String { String(decoding: try! enc.encode(v), as: UTF8.self) }
        return ["suite=\(s.name)", "suite-seed=\(s.seed)", s.world.identity, model.description.identity, json(s.settings.budget),
                json(s.settings.pretrain), "shapley=\(s.settings.shapley)", "format=1"].joined(separator: "\n")
    }

    /// Per method, the method whose frozen stages it trains: the first method of the suite with
    /// the same built-in identity apart from clip_weight (itself when none comes before it).
    /// External methods keep their own (their objective is theirs).
    static func frozenTrainingMethod(_ suite: Suite) -> [Int] {
        suite.methods.indices.map { mi in
            let m = suite.methods[mi]
            guard m.external == nil else { return mi }
            return suite.methods.firstIndex { $0.external == nil && $0.identityWithoutObjective == m.identityWithoutObjective }!
        }
    }

    /// Stages the frozen λ sharing saves: what the groups would train if every method trained
    /// its own cells, less what they do train.
    public var stagesSavedByFrozenLambdaSharing: Int {
        groups.reduce(0) { total, g in
            let own = g.methodIndices.reduce(0) { sum, m in
                var one = g
                one.cells = g.cells.filter { $0.methodIndex == m }
                return sum + one.sharedStages
            }
            return total + own - g.sharedStages
        }
    }

    public var stagesWithSharing: Int { groups.reduce(0) { $0 + $1.sharedStages } }
    public var stagesWithoutSharing: Int { groups.reduce(0) { $0 + $1.unsharedStages } }

    /// Shard `index` (0-based) of `count`: whole groups (so sharing survives), assigned by
    /// longest-processing-time first on their estimated costs (`ShardCost`: shared stages times
    /// the stage's reference seconds for its model and protocol), each to the shard with the
    /// least cost so far, ties broken by grid position. LPT's makespan is within 4/3 - 1/(3n) of
    /// the optimum (Graham 1969). Every process computes the same partition from the suite alone.
    public func shard(_ index: Int, of count: Int) -> [CellGroup] {
        precondition(count >= 1 && index >= 0 && index < count)
        let owner = Plan.longestFirst(ShardCost.groupCosts(self), shards: count)
        return groups.indices.filter { owner[$0] == index }.map { groups[$0] }
    }

    /// What each of `count` shards holds: groups, stages to train, and the estimated worker-
    /// seconds at ShardCost's reference rates (this machine's, docs/slurm.md), in shard order.
    public func shardEstimates(_ count: Int) -> [(groups: Int, stages: Int, seconds: Double)] {
        let costs = ShardCost.groupCosts(self)
        var out = [(groups: Int, stages: Int, seconds: Double)](repeating: (0, 0, 0), count: count)
        for (g, s) in Plan.longestFirst(costs, shards: count).enumerated() {
            out[s].groups += 1
            out[s].stages += groups[g].sharedStages
            out[s].seconds += costs[g]
        }
        return out
    }

    /// The shard of each item under longest-processing-time first: items by decreasing cost
    /// (ties: lower index first), each onto the least loaded shard (ties: lower shard).
    static func longestFirst(_ costs: [Double], shards count: Int) -> [Int] {
        let ranked = costs.indices.sorted { a, b in costs[a] != costs[b] ? costs[a] > costs[b] : a < b }
        var load = [Double](repeating: 0, count: count)
        var owner = [Int](repeating: 0, count: costs.count)
        for g in ranked {
            let target = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            owner[g] = target
            load[target] += costs[g]
        }
        return owner
    }
}
