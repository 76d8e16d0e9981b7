import Analysis
import CLibXML2
import Foundation
import Linalg
import ResultStore
import Testing
@testable import Report

/// Tie groups on the leaderboard (#19 item 2) on constructed runs whose answer is known.
struct TieGroupsTests {
    static let keys = (0..<12).map { "0.5 0.5 \($0) a>b" }
    static func cells(_ values: [Double]) -> [String: Double] { Dictionary(uniqueKeysWithValues: zip(keys, values)) }
    static func rank(_ methods: [[Double]]) -> TieGroups.Ranking {
        TieGroups.rank(methods.map(cells), stratum: { _ in 0 }, bootstrap: { Bootstrap(resamples: 2000, key: RandomKey("tie-test", .int($0))) })
    }
    static let base: [Double] = (0..<12).map { 0.5 + 0.02 * Double($0 % 5) }

    @Test func identicalPerCellValuesTie() {
        let r = Self.rank([Self.base, Self.base])
        #expect(r.ranks == [1, 1] && r.tied == [true, true])
        #expect(r.differenceFromAbove[1]!.low == 0 && r.differenceFromAbove[1]!.high == 0)
    }

    @Test func clearlySeparatedMethodsDoNot() {
        // 0.2 lower in every cell, give or take 0.01: every resampled mean difference is positive.
        let lower = Self.base.enumerated().map { $1 - 0.2 + ($0 % 2 == 0 ? 0.01 : -0.01) }
        let r = Self.rank([Self.base, lower, lower.map { $0 - 0.2 }])
        #expect(r.ranks == [1, 2, 3] && r.tied == [false, false, false])
        #expect(r.differenceFromAbove[1]!.low > 0.15)
    }

    /// A ~ B and B ~ C while A and C separate: the rule compares neighbours, so C takes B's rank
    /// and the three share rank 1.
    @Test func aChainOfTiesSharesTheRankAbove() {
        // A - B alternates +0.10 / -0.05 (mean 0.025, CI across 0); B - C the other way round;
        // so A - C is 0.05 in every cell.
        let b = Self.base
        let a = b.enumerated().map { $1 + ($0 % 2 == 0 ? 0.10 : -0.05) }
        let c = b.enumerated().map { $1 - ($0 % 2 == 0 ? -0.05 : 0.10) }
        let r = Self.rank([a, b, c])
        #expect(r.ranks == [1, 1, 1] && r.tied == [true, true, true])
        #expect(!r.differenceFromAbove[1]!.excludesZero() && !r.differenceFromAbove[2]!.excludesZero())
        let direct = Self.rank([a, c])
        #expect(direct.ranks == [1, 2] && direct.differenceFromAbove[1]!.low > 0.049)
        // A separated method after the chain takes its position, not the chain's rank + 1.
        let d = c.map { $0 - 0.3 }
        #expect(Self.rank([a, b, c, d]).ranks == [1, 1, 1, 4])
        #expect(Self.rank([a, b, c, d]).tied == [true, true, true, false])
    }

    @Test func methodsWithoutMatchedCellsKeepTheirPosition() {
        let other = Dictionary(uniqueKeysWithValues: (0..<12).map { ("0.5 0.5 \($0) b>a", Self.base[$0]) })
        let r = TieGroups.rank([Self.cells(Self.base), other], stratum: { _ in 0 }, bootstrap: { _ in Bootstrap() })
        #expect(r.ranks == [1, 2] && r.differenceFromAbove[1] == nil && r.tied == [false, false])
    }

    /// Through the page: identical methods print "1=", the rule sits under the table, and the
    /// .tex copy carries the shared ranks and the rule as its note; the CSV the shared ranks.
    @Test func thePageAndItsCopiesMarkTieGroups() throws {
        var stored: [StoredRun] = []
        var id: Int64 = 0
        for method in ["alpha", "beta", "gamma"] {
            for seed in 0..<6 {
                for order in [["e1", "e2"], ["e2", "e1"]] {
                    id += 1
                    var r = SyntheticResults.record(method: method, commit: "aaaa1111", seed: seed, order: order, sv: 0.5,
                                                    finishedAt: "2026-01-01T00:00:00Z")
                    // alpha and beta identical in every cell; gamma 0.3 lower.
                    r.metrics["last"] = 0.8 + 0.01 * Double(seed) - (method == "gamma" ? 0.3 : 0) + (order[0] == "e1" ? 0.02 : 0)
                    stored.append(StoredRun(id: id, record: r))
                }
            }
        }
        let data = ReportData(stored)
        let rows = ReportData.leaderboard(data.runs, methods: data.methods(data.runs), metrics: SiteBuilder.leaderboardMetrics, key: "t")
        #expect(rows.map(\.method) == ["alpha", "beta", "gamma"])
        #expect(rows.map(\.rankLabel) == ["1=", "1=", "3"])
        let tex = try SiteBuilder().leaderboardLaTeX(runs: stored, suite: "demo")
        let body = tex.components(separatedBy: "\n").filter { $0.hasSuffix("\\\\") }.dropFirst()
        #expect(body.prefix(3).map { String($0.prefix { $0 != " " }) } == ["1=", "1=", "3"])
        #expect(tex.contains("\\footnotesize A method shares the rank of the method directly above it when the 95\\% paired bootstrap CI"))
        let table = DataTable(title: "t", page: "p", header: ["rank"], rows: [[.init(text: "1=")]], note: "rule")
        #expect(table.csv() == "rank\n1=\n")
    }
}
