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

/// Cells that share (similarity, model, method, seed): their orders form a prefix tree, and
/// every prefix is trained once.
public struct CellGroup: Sendable {
    public var similarity: SimilaritySetting
    public var modelIndex: Int
    public var trainingProtocol: TrainingProtocol = .adaptive
    public var methodIndex: Int
    public var seed: Int
    public var cells: [PlannedCell]

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
        for sim in suite.similarities {
            for (model, context) in contexts.enumerated() {
              for proto in suite.protocols {
                for (mi, method) in suite.methods.enumerated() {
                    for seed in suite.seeds {
                        var group = CellGroup(similarity: sim, modelIndex: model, trainingProtocol: proto, methodIndex: mi, seed: seed, cells: [])
                        for order in suite.orders {
                            let identity = [context, "sv=\(sim.sv) sl=\(sim.sl)", "method=\(method.identity)", "seed=\(seed)",
                                            "order=\(order.joined(separator: ">"))"] + (proto == .adaptive ? [] : ["protocol=\(proto.rawValue)"])
                            let cell = PlannedCell(similarity: sim, modelIndex: model, trainingProtocol: proto, methodIndex: mi, seed: seed,
                                                   order: order, hash: StableHasher.hex(identity.joined(separator: "\n")))
                            cells.append(cell)
                            group.cells.append(cell)
                        }
                        groups.append(group)
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

    public var stagesWithSharing: Int { groups.reduce(0) { $0 + $1.sharedStages } }
    public var stagesWithoutSharing: Int { groups.reduce(0) { $0 + $1.unsharedStages } }

    /// Shard `index` (0-based) of `count`: whole groups (so sharing survives), assigned by
    /// longest-processing-time first on their stage counts, ties broken by grid position.
    /// Every process computes the same partition from the suite alone.
    public func shard(_ index: Int, of count: Int) -> [CellGroup] {
        precondition(count >= 1 && index >= 0 && index < count)
        let ranked = groups.indices.sorted { a, b in
            let ca = groups[a].sharedStages, cb = groups[b].sharedStages
            return ca != cb ? ca > cb : a < b
        }
        var load = [Int](repeating: 0, count: count)
        var owner = [Int](repeating: 0, count: groups.count)
        for g in ranked {
            let target = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            owner[g] = target
            load[target] += groups[g].sharedStages
        }
        return groups.indices.filter { owner[$0] == index }.map { groups[$0] }
    }
}
