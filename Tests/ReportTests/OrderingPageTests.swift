import Analysis
import Foundation
import Linalg
import ResultStore
import Testing
@testable import Report

/// The task-order page's ordering analysis: shown for a group that ran every order, with the
/// guided order the scores pick; absent when too few orders ran or no scores were given.
struct OrderingPageTests {
    static func scores() -> ConScores {
        let v: [[[Float]]] = [[[1, 0, 0], [0.8, 0.6, 0]], [[0, 1, 0], [0.6, 0.8, 0]], [[0, 0, 1], [0, 0.6, 0.8]]]
        let u: [[[Float]]] = [[[0, 1, 0], [0, 0, 1]], [[1, 0, 0], [0, 0.6, 0.8]], [[0.6, 0.8, 0], [1, 0, 0]]]
        return ConScores(environments: ["e1", "e2", "e3"], summaries: (0..<3).map {
            EmbeddingSummary(EnvironmentEmbeddings(images: Matrix(v[$0]), captions: Matrix(u[$0])))
        })
    }

    func site(orders: [[String]], scores: Bool) throws -> String {
        let con = Self.scores()
        let cost = OrderCost(scores: con, variant: .paper)
        var runs: [StoredRun] = []
        for (k, o) in orders.enumerated() {
            for seed in [0, 1] {
                var r = SyntheticResults.record(suite: "ord", method: "finetune", commit: "aaaa1111", seed: seed, order: o, sv: 0.5,
                                                finishedAt: "2026-12-01T00:00:0\(seed)Z")
                // Forgetting that follows the cost exactly.
                r.metrics["forgetting"] = 0.1 + cost.cost(o.map { con.environments.firstIndex(of: $0)! }) + 0.001 * Double(seed)
                runs.append(StoredRun(id: Int64(runs.count + 1 + k * 0), record: r))
            }
        }
        let out = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                              appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true).appendingPathComponent("site").path
        var b = SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: out)
        if scores { b.orderingScores[OrderingScoresKey(suite: "ord", model: "mlp-bag", sv: 0.5, sl: 0.5)] = con }
        try b.build(runs: runs)
        return try String(contentsOfFile: out + "/orders-ord.html", encoding: .utf8)
    }

    static let all = [["e1", "e2", "e3"], ["e1", "e3", "e2"], ["e2", "e1", "e3"], ["e2", "e3", "e1"], ["e3", "e1", "e2"], ["e3", "e2", "e1"]]

    @Test func everyOrderGivesTheAnalysisWithTheGuidedOrderFirst() throws {
        let page = try site(orders: Self.all, scores: true)
        let con = Self.scores()
        let ranked = OrderCost(scores: con, variant: .paper).enumerated()
        let guided = ranked[0].order.map { con.environments[$0] }.joined(separator: " &gt; ")
        #expect(page.contains("Ordering (the paper's T3): finetune, mlp-bag"))
        #expect(page.contains("6 orders (all) × 2 seeds. Verdict: guided order ranks 1st of 6 on forgetting"))
        #expect(page.contains("guided: \(guided) (cost"))
        #expect(page.contains("cost predicts forgetting with ρ = 1.000"))
        #expect(page.contains("i2t (predicts best)"))
        #expect(page.contains("<svg") && page.contains("Order cost against forgetting, finetune, mlp-bag"))
    }

    @Test func tooFewOrdersOrNoScoresShowNoAnalysis() throws {
        #expect(!(try site(orders: Array(Self.all.prefix(5)), scores: true)).contains("Ordering (the paper's T3)"))
        #expect(!(try site(orders: Self.all, scores: false)).contains("Ordering (the paper's T3)"))
    }
}
