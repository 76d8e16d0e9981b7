import Analysis
import ArgumentParser
import Environments
import Foundation
import Harness

/// `clvbench orders SUITE`: which order to train in, predicted from one pass of the pretrained model.
struct Orders: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rank the orders of a suite's trained environments by the paper's order cost (T3), without training.",
        discussion: """
            Embeds the suite's trained environments once with the pretrained model (from the \
            pretraining cache under results/cache; pretrained and cached once if missing) and \
            ranks every order by its cost C(π), the recommended (cheapest) order first, with \
            the dearest orders and the score matrix the cost came from. The paper's cost is \
            i2t, C(π) = Σ_k Con_I→T(π_k, π_k+1); t2i, symmetric and intra change the pair \
            score, the all- variants sum over every earlier environment instead of the previous \
            one. Up to 8 environments every order is costed; up to 12 the cheapest and dearest \
            are found exactly by dynamic programming over subsets; beyond that by a stated \
            heuristic (greedy from every start, then single moves to a local optimum). Ties go \
            to the order that comes first in the world's environment order. Definitions: \
            docs/metrics.md, "Order cost".

            Example: clvbench orders benchmarks/orders.yaml --top 5
            Example: clvbench orders benchmarks/orders.yaml --cost all-symmetric --order env1,env2,env3,env4,env5 --json
            """)

    @Argument(help: "Suite file.") var suite: String
    @Option(help: "Cost variant.") var cost: OrderCostVariant = .paper
    @Option(help: "Orders to show (cheapest and dearest).") var top = 10
    @Option(help: "Also cost this order: trained environments, comma-separated (repeatable).") var order: [String] = []
    @Option(help: "Model on the suite's models axis (default: the first).") var model: String?
    @Option(help: "Vision similarity (default: the suite's first setting).") var sv: Double?
    @Option(help: "Language similarity (default: the suite's first setting).") var sl: Double?
    @Flag(help: "Print the ranking as JSON.") var json = false

    func validate() throws {
        guard (1...100_000).contains(top) else { throw ValidationError("--top must be in 1...100000, got \(top)") }
        for x in [sv, sl].compactMap({ $0 }) where !(0...1).contains(x) { throw ValidationError("--sv and --sl must be in [0, 1], got \(x)") }
    }

    func run() throws {
        let s = try loadSuite(suite)
        guard s.environmentNames.count >= 2 else {
            throw InputError("\(suite): orders need at least 2 trained environments, the suite has \(s.environmentNames.count)")
        }
        let given = try order.map { try PretrainedOrders.indices(of: $0.split(separator: ",").map(String.init), in: s.environmentNames) }
        let first = s.similarities[0]
        let sim = SimilaritySetting(sv: sv ?? first.sv, sl: sl ?? first.sl)
        let p = try PretrainedOrders(suite: s, model: model, similarity: sim) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let c = OrderCost(scores: p.scores, variant: cost)
        let ranking = c.ranking(top: top)
        let givenRows = given.map { o in (order: o, cost: c.cost(o), position: ranking.method == .enumeration ? ranking.cheapest.first { $0.order == o }?.position : nil) }
        if json {
            print(try jsonText(p, c, ranking, givenRows))
        } else {
            print(text(p, c, ranking, givenRows))
        }
    }

    func names(_ o: [Int], _ env: [String]) -> [String] { o.map { env[$0] } }

    func jsonText(_ p: PretrainedOrders, _ c: OrderCost, _ r: OrderRanking, _ given: [(order: [Int], cost: Double, position: Int?)]) throws -> String {
        let env = c.environments
        func row(_ o: RankedOrder) -> [String: Any] { ["position": o.position, "cost": o.cost, "order": names(o.order, env)] }
        func matrix(_ m: [[Double]]) -> [[Any]] { m.enumerated().map { a, r in r.enumerated().map { b, x in a == b || !x.isFinite ? NSNull() : x as Any } } }
        var scores: [String: Any] = [:]
        for k in ConScore.allCases { scores[k.key] = matrix(p.scores.values[k]!) }
        let obj: [String: Any] = [
            "suite": try loadSuite(suite).name, "model": p.model, "sv": p.similarity.sv, "sl": p.similarity.sl,
            "cost": c.variant.name, "formula": c.variant.formula, "method": r.method.rawValue, "order_count": r.orderCount,
            "environments": env, "weights": matrix(c.weights), "scores": scores,
            "recommended": row(r.recommended),
            "cheapest": r.cheapest.prefix(top).map(row), "dearest": r.dearest.prefix(top).map(row),
            "given": given.map { g -> [String: Any] in ["order": names(g.order, env), "cost": g.cost, "position": g.position.map { $0 as Any } ?? NSNull()] },
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self)
    }

    func text(_ p: PretrainedOrders, _ c: OrderCost, _ r: OrderRanking, _ given: [(order: [Int], cost: Double, position: Int?)]) -> String {
        let env = c.environments
        func f(_ x: Double) -> String { String(format: "%.5f", x) }
        func line(_ o: RankedOrder, _ pos: String) -> String { "  \(pos.padding(toLength: 6, withPad: " ", startingAt: 0)) \(f(o.cost))  \(names(o.order, env).joined(separator: " > "))" }
        let total = r.orderCount < 1e15 ? String(format: "%.0f", r.orderCount) : String(format: "%.3g", r.orderCount)
        var out = ["model \(p.model), sv \(p.similarity.sv) sl \(p.similarity.sl); cost \(c.variant.name): \(c.variant.formula) at the pretrained model",
                   "\(total) orders of \(env.count) environments, ranked by \(r.method.rawValue)" + (r.method == .heuristic ? " (not guaranteed optimal)" : ""),
                   "recommended: \(names(r.recommended.order, env).joined(separator: " > ")) (cost \(f(r.recommended.cost)))",
                   "cheapest (position, cost, order):"]
        out += r.cheapest.prefix(top).map { line($0, "\($0.position)") }
        out.append("dearest:")
        let n = Int(min(r.orderCount, 1e15))
        out += r.dearest.prefix(top).map { line($0, r.method == .heuristic ? "-\($0.position)" : "\(n - $0.position + 1)") }
        if !given.isEmpty {
            out.append("given:")
            out += given.map { "  \(($0.position.map(String.init) ?? "?").padding(toLength: 6, withPad: " ", startingAt: 0)) \(f($0.cost))  \(names($0.order, env).joined(separator: " > "))" }
        }
        out.append("pair weight w(a, b) = \(c.variant.term.formula) (row a trained before column b):")
        let width = max(8, env.map(\.count).max()! + 1)
        func pad(_ s: String) -> String { String(repeating: " ", count: max(1, width + 1 - s.count)) + s }
        out.append(pad("") + env.map(pad).joined())
        for (a, rowName) in env.enumerated() {
            out.append(pad(rowName) + env.indices.map { b in pad(a == b ? "-" : f(c.weights[a][b])) }.joined())
        }
        return out.joined(separator: "\n")
    }
}

extension OrderCostVariant: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public var defaultValueDescription: String { name }
    public static var allValueStrings: [String] { all.map(\.name) }
}
