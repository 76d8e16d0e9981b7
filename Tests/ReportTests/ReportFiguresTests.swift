import Analysis
import CLibXML2
import Foundation
import Linalg
import ResultStore
import Testing
@testable import Report

/// The suite pages' numbers recomputed from the runs in the database with plain loops, apart
/// from ReportData: a swapped column, a wrong filter or a misplaced division shows here.
struct ReportFiguresTests {
    let site = SiteTests()

    func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }

    /// Every leaderboard cell against the runs: for each scope table (all settings, then each
    /// setting) and each row, n, the mean of each metric named by the column's header, the IQM
    /// of Last and the worst order; and rows ranked by mean Last.
    /// The leaderboard's default: a percentage with one decimal, printed here by printf.
    static func percent(_ fraction: Double) -> String { printf("%.1f", 100 * fraction) }

    /// printf, except that a value rounding to zero prints without a sign (as the pages do).
    static func printf(_ format: String, _ v: Double) -> String {
        let s = String(format: format, v)
        return s.hasPrefix("-") && s.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(s.dropFirst()) : s
    }

    /// `fixed` keeps trailing zeros and rounds like printf away from exact halves.
    @Test func fixedPrecisionMatchesPrintf() {
        var rng = RandomStream(key: RandomKey("fixed"))
        for _ in 0..<2000 {
            let v = Double(rng.normal()) * 0.4
            for d in 0...4 { #expect(fixed(v, d) == Self.printf("%.\(d)f", v), "\(v) \(d)") }
        }
        #expect(fixed(0.7, 3) == "0.700" && fixed(70, 1) == "70.0" && fixed(-0.00001, 2) == "0.00" && fixed(0.5, 0) == "1")
        #expect(NumberStyle().format(0.7123) == "71.2" && NumberStyle(percent: false).format(0.7) == "0.700")
        #expect(NumberStyle(percent: true, digits: 2).format(-0.05) == "-5.00")
    }

    /// `report --fraction --precision 2`: the same cells as fractions with two decimals.
    @Test func leaderboardAsFractionsWithChosenPrecision() throws {
        let db = try SyntheticResults.database()
        let runs = try Store(path: db, mode: .readOnly).loadRuns().map(\.record)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fraction-\(UUID().uuidString)").path
        var b = SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: out, jobs: 1)
        b.numbers = NumberStyle(percent: false, digits: 2)
        try b.build(store: try Store(path: db, mode: .readOnly))
        let (doc, _) = site.parse(out + "/leaderboard-demo.html")
        defer { xmlFreeDoc(doc) }
        let t = "(//h:table[@class='leaderboard'])[1]"
        for r in 2...3 {
            let m = site.xpath(doc!, "\(t)/h:tr[\(r)]/h:td[2]/h:a")[0]
            let cell = site.xpath(doc!, "\(t)/h:tr[\(r)]/h:td[4]")[0]
            #expect(String(cell.prefix { $0 != " " }) == Self.printf("%.2f", mean(runs.filter { $0.methodLabel == m }.map { $0.metrics["last"]!! })))
        }
        #expect(site.xpath(doc!, "//h:p[@class='explain']").contains("Accuracy figures are fractions (0 to 1) with 2 decimal(s)."))
    }

    @Test func everyLeaderboardCellIsRecomputedFromTheRuns() throws {
        let db = try SyntheticResults.database(commits: ["aaaa1111", "bbbb2222"], regress: 0.03)
        // The leaderboard shows the newest code version only.
        let runs = try Store(path: db, mode: .readOnly).loadRuns().map(\.record).filter { $0.provenance.commit == "bbbb2222" }
        let (out, _) = try site.build(db)
        let (doc, error) = site.parse(out + "/leaderboard-demo.html")
        try #require(doc != nil, "\(error ?? "")")
        defer { xmlFreeDoc(doc) }
        // The column headers as the reader sees them, mapped to stored metric names here.
        let byHeader = ["Last ↑": "last", "Avg ↑": "avg", "Forgetting ↓": "forgetting", "BWT ↑": "bwt", "FWT ↑": "fwt", "LA ↑": "la",
                        "Transfer ↑": "transfer", "Generalization ↑": "generalization"]
        let svs = Array(Set(runs.map(\.sv))).sorted()
        let scopes: [[RunRecord]] = [runs] + svs.map { sv in runs.filter { $0.sv == sv } }
        let tables = site.xpath(doc!, "//h:table[@class='leaderboard']").count
        #expect(tables == scopes.count)
        var checked = 0
        for (t, scope) in scopes.enumerated() {
            let table = "(//h:table[@class='leaderboard'])[\(t + 1)]"
            let headers = site.xpath(doc!, "\(table)/h:tr[1]/h:th")
            #expect(headers.prefix(3) == ["rank", "method", "n"] && headers.suffix(2) == ["IQM Last", "worst order (Last)"])
            let methods = Array(Set(scope.map(\.methodLabel))).sorted()
            let rows = site.xpath(doc!, "\(table)/h:tr").count - 1
            #expect(rows == methods.count)
            var shownOrder: [String] = [], shownRanks: [String] = []
            for i in 0..<rows {
                let cells = site.xpath(doc!, "\(table)/h:tr[\(i + 2)]/h:td")
                let m = site.xpath(doc!, "\(table)/h:tr[\(i + 2)]/h:td[2]/h:a")[0]
                shownOrder.append(m)
                let mine = scope.filter { $0.methodLabel == m }
                shownRanks.append(cells[0])
                #expect(cells[2] == "\(mine.count)")
                for (c, header) in headers.enumerated() where byHeader[header] != nil {
                    let values = mine.map { $0.metrics[byHeader[header]!]!! }
                    let estimate = String(cells[c].prefix { $0 != " " })
                    #expect(estimate == Self.percent(mean(values)), "scope \(t), \(m), \(header)")
                    checked += 1
                }
                let lasts = mine.map { $0.metrics["last"]!! }.sorted()
                let cut = lasts.count / 4
                #expect(cells[headers.count - 2] == Self.percent(mean(Array(lasts[cut..<(lasts.count - cut)]))))
                let orders = Array(Set(mine.map(\.orderKey))).sorted()
                let perOrder = orders.map { o in (o, mean(mine.filter { $0.orderKey == o }.map { $0.metrics["last"]!! })) }
                let worst = perOrder.min { $0.1 < $1.1 }!
                #expect(cells[headers.count - 1] == "\(Self.percent(worst.1)) (\(worst.0))")
            }
            let pooled = Dictionary(uniqueKeysWithValues: methods.map { m in (m, mean(scope.filter { $0.methodLabel == m }.map { $0.metrics["last"]!! })) })
            #expect(shownOrder == methods.sorted { pooled[$0]! > pooled[$1]! })
            // Ranks: the position, or the rank above (a tie group); every resample's mean of
            // differences that are all positive is positive, so such neighbours must separate.
            let numbers = shownRanks.map { Int($0.filter(\.isNumber))! }
            for i in numbers.indices {
                #expect(i == 0 ? numbers[i] == 1 : numbers[i] == i + 1 || numbers[i] == numbers[i - 1])
                let shared = (i > 0 && numbers[i - 1] == numbers[i]) || (i + 1 < numbers.count && numbers[i + 1] == numbers[i])
                #expect(shownRanks[i].hasSuffix("=") == shared)
                guard i > 0 else { continue }
                func cell(_ r: RunRecord) -> String { "\(r.sv) \(r.sl) \(r.seed) \(r.orderKey)" }
                let above = Dictionary(uniqueKeysWithValues: scope.filter { $0.methodLabel == shownOrder[i - 1] }.map { (cell($0), $0.metrics["last"]!!) })
                let diffs = scope.filter { $0.methodLabel == shownOrder[i] }.compactMap { r in above[cell(r)].map { $0 - r.metrics["last"]!! } }
                if diffs.count >= 2 && diffs.allSatisfy({ $0 > 0 }) { #expect(numbers[i] == i + 1) }
            }
        }
        #expect(checked == scopes.count * 2 * 8)
    }

    /// The contributions page's mean attribution bars and vision shares against loops over the
    /// stored attributions (earlier environments only: position in the order before the stage).
    @Test func attributionFiguresMatchTheRuns() throws {
        let db = try SyntheticResults.database()
        let stored = try Store(path: db, mode: .readOnly).loadRuns()
        let data = ReportData(stored)
        for method in Array(Set(stored.map(\.record.methodLabel))).sorted() {
            let runs = stored.map(\.record).filter { $0.methodLabel == method }
            var sums: [String: [Double]] = [:], counts: [String: Double] = [:]
            var shareParts: [String: (Double, Double)] = [:]
            for r in runs {
                for a in r.attributions {
                    let position = r.order.firstIndex(of: a.environment)! + 1
                    guard position < a.stage else { continue }
                    let k = "stage \(a.stage), env. #\(position)"
                    sums[k] = zip(sums[k] ?? [0, 0, 0], [a.accuracy.vision, a.accuracy.language, a.accuracy.shared]).map { $0 + $1 }
                    counts[k, default: 0] += 1
                    let p = shareParts[r.orderKey] ?? (0, 0)
                    shareParts[r.orderKey] = (p.0 + abs(a.accuracy.vision), p.1 + abs(a.accuracy.language))
                }
            }
            let bars = ReportData.attributionBars(data.runs.filter { $0.record.methodLabel == method })
            #expect(bars.map(\.label) == sums.keys.sorted())
            for b in bars {
                let mean = [b.mean.vision, b.mean.language, b.mean.shared]
                for g in 0..<3 { #expect(abs(mean[g] - sums[b.label]![g] / counts[b.label]!) < 1e-12) }
            }
            let shares = ReportData.visionShares(data.runs.filter { $0.record.methodLabel == method })
            let expected = shareParts.keys.sorted().map { shareParts[$0]!.0 / (shareParts[$0]!.0 + shareParts[$0]!.1) }
            #expect(shares.count == expected.count)
            for (a, b) in zip(shares, expected) { #expect(abs(a - b) < 1e-12) }
            // In the synthetic runs vision gets 0.6 of every change and language 0.3.
            #expect(expected.allSatisfy { abs($0 - 2.0 / 3.0) < 1e-9 })
        }
    }

    /// Held-out means per stage: in the synthetic runs one held-out column, so the mean at each
    /// stage is that column's accuracy; a stage beyond the run has none.
    @Test func heldOutMeansAreTheHeldOutColumn() throws {
        let stored = try Store(path: try SyntheticResults.database(), mode: .readOnly).loadRuns()
        let data = ReportData(stored)
        #expect(ReportData.stageCount(data.runs) == 4)
        for run in data.runs {
            let means = ReportData.heldOutMeans(run, stages: 5)
            let held = run.record.accuracy.filter(\.heldOut).sorted { $0.stage < $1.stage }
            #expect(means.prefix(4).map { $0! } == held.map(\.accuracy))
            #expect(means[4] == nil)
        }
    }

    /// The score-regression observations: one per stored contribution row, its forgetting and
    /// the Shapley attribution of the same (stage, earlier environment).
    @Test func forgettingObservationsPairContributionsWithTheirAttribution() throws {
        let stored = try Store(path: try SyntheticResults.database(), mode: .readOnly).loadRuns()
        let data = ReportData(stored)
        let obs = data.forgettingObservations(data.runs)
        #expect(obs.count == stored.map(\.record.contributions.count).reduce(0, +))
        var k = 0
        for s in stored {
            for c in s.record.contributions {
                let a = s.record.attributions.first { $0.stage == c.stage && $0.environment == c.earlier }!
                #expect(obs[k].forgetting == c.forgetting && obs[k].scores[4] == c.driftVision && obs[k].cluster == Int(s.id))
                #expect(obs[k].shapley == a.accuracy)
                k += 1
            }
        }
    }
}
