import Analysis
import CLibXML2
import Foundation
import Linalg
import ResultStore
import Testing
@testable import Report

/// The gradient-alignment tables of the Paper checks page against figures recomputed here from
/// the stored rows: per stage the mean cosine over runs, and the balance-factor check (cbf
/// against finetune at matched cells, scaled minus unscaled, the best tower mask by brute force).
struct GradientAlignmentPageTests {
    static let orders = [["e1", "e2", "e3"], ["e2", "e3", "e1"], ["e3", "e1", "e2"]]

    /// finetune and cbf runs of one suite with alignment rows at stages 2 and 3; cbf's factors p, 1 − p.
    static func database() throws -> (String, [RunRecord]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("alignment-\(UUID().uuidString).sqlite").path
        let store = try Store(path: path)
        var all: [RunRecord] = []
        for method in ["finetune", "cbf"] {
            for seed in 0..<2 {
                for order in orders {
                    for sv in [0.2, 0.8] {
                        var r = SyntheticResults.record(suite: "align", method: method, commit: "aaaa1111", seed: seed, order: order, sv: sv,
                                                        finishedAt: "2026-01-01T00:00:00Z")
                        r.methodName = method
                        var rng = RandomStream(key: RandomKey("alignment-rows", .string(method), .int(seed), .string(order.joined()), .string("\(sv)")))
                        func u() -> Double { Double(rng.uniform()) }
                        r.gradientAlignment = (2...3).map { k in
                            let p = method == "cbf" ? 0.2 + 0.6 * u() : 1
                            // Squared norms, then dots of cosine c ∈ [-1, 1] (a possible pair of gradients).
                            let n = GroupValues(vision: 0.5 + u(), language: 0.5 + u(), shared: 0.01 + u())
                            let o = GroupValues(vision: 0.5 + u(), language: 0.5 + u(), shared: 0.01 + u())
                            let c = GroupValues(vision: 1.5 * u() - 0.5, language: 2 * u() - 1, shared: u() < 0.5 ? -1 : 1)
                            func dot(_ g: ParameterGroup) -> Double { c[group: g] * (n[group: g] * o[group: g]).squareRoot() }
                            return .init(stage: k, alignment: GradientAlignment(
                                dot: GroupValues(vision: dot(.vision), language: dot(.language), shared: dot(.shared)),
                                newSquared: n, oldSquared: o,
                                scale: GroupValues(vision: p, language: method == "cbf" ? 1 - p : 1, shared: 1)))
                        }
                        try store.insert(r)
                        all.append(r)
                        // The same cell under frozen (no alignment rows): the suite spans two
                        // protocols, so pages prefix method labels with the protocol, which the
                        // paper-check groups must not repeat.
                        var frozen = r
                        frozen.cellHash += "-frozen"
                        frozen.trainingProtocol = "frozen"
                        frozen.gradientAlignment = []
                        try store.insert(frozen)
                    }
                }
            }
        }
        return (path, all)
    }

    static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }

    /// cos(m ⊙ g_new, g_old) from the stored figures, written out again.
    static func masked(_ a: GradientAlignment, _ m: [Double]) -> Double {
        let c = [a.groupCosine.vision, a.groupCosine.language, a.groupCosine.shared]
        let n = [a.newNorm.vision, a.newNorm.language, a.newNorm.shared], o = [a.oldNorm.vision, a.oldNorm.language, a.oldNorm.shared]
        var d = 0.0, nn = 0.0, oo = 0.0
        for g in 0..<3 { d += m[g] * c[g] * n[g] * o[g]; nn += m[g] * m[g] * n[g] * n[g]; oo += o[g] * o[g] }
        return d / (nn * oo).squareRoot()
    }

    /// The groups name protocol, model and the stored method label once each ("frozen / finetune" is a page label).
    @Test func groupLabelsDoNotRepeatTheProtocol() throws {
        let (db, _) = try Self.database()
        let site = SiteTests()
        let (out, _) = try site.build(db)
        let (doc, error) = site.parse(out + "/paper-checks-align.html")
        try #require(doc != nil, "\(error ?? "")")
        defer { xmlFreeDoc(doc) }
        let labels = site.xpath(doc!, "//h:main//h:td[contains(., ' · ')] | //h:main//h:h4 | //s:svg/@aria-label | //h:main//h:p[@class='caption']")
        #expect(labels.count > 20)
        for l in labels { #expect(!l.contains("adaptive /") && !l.contains("frozen /"), "\(l)") }
        #expect(site.xpath(doc!, "//h:main//h:h4").contains("frozen · mlp-bag · finetune"))
        #expect(site.xpath(doc!, "//s:svg/@aria-label").contains("Cumulative MCM AUROC over stages, frozen · mlp-bag"))
    }

    @Test func tablesAreTheStoredAlignmentsRecomputed() throws {
        let (db, runs) = try Self.database()
        let site = SiteTests()
        let (out, _) = try site.build(db)
        let (doc, error) = site.parse(out + "/paper-checks-align.html")
        try #require(doc != nil, "\(error ?? "")")
        defer { xmlFreeDoc(doc) }
        let table = "//h:h2[.='Gradient alignment per stage']/following-sibling::h:table[1]"
        #expect(site.xpath(doc!, "\(table)/h:tr[1]/h:th") == ["protocol · model · method", "stage", "runs", "cos(g_new, g_old)", "unscaled", "vision", "language", "shared"])
        let rows = site.xpath(doc!, "\(table)/h:tr").count
        #expect(rows == 1 + 2 * 2)
        for (i, method) in ["cbf", "finetune"].enumerated() {
            let mine = runs.filter { $0.methodLabel == method }
            for k in 2...3 {
                let cells = site.xpath(doc!, "(\(table)/h:tr)[\(2 + 2 * i + (k - 2))]/h:td")
                #expect(cells[0] == (k == 2 ? "adaptive · mlp-bag · \(method)" : ""))
                let rowsK = mine.map { $0.gradientAlignment.first { $0.stage == k }!.alignment }
                #expect(cells[1] == "\(k)" && cells[2] == "12")
                #expect(cells[3].hasPrefix(fmt(Self.mean(rowsK.map(\.cosine)), 3) + " ["), "\(cells[3])")
                #expect(cells[4] == fmt(Self.mean(rowsK.map(\.unscaledCosine)), 3))
                #expect(cells[5] == fmt(Self.mean(rowsK.map(\.groupCosine.vision)), 3) && cells[7] == fmt(Self.mean(rowsK.map(\.groupCosine.shared)), 3))
                if method == "finetune" { #expect(cells[3].hasPrefix(cells[4] + " [")) }
            }
        }

        // The balance-factor check, one cbf row.
        let check = "//h:h3[.='Does the balance factor raise the alignment? (T2)']/following-sibling::h:table[1]"
        let cells = site.xpath(doc!, "\(check)/h:tr[2]/h:td")
        try #require(cells.count == 9, "\(cells)")
        let cbf = runs.filter { $0.methodLabel == "cbf" }
        func cell(_ r: RunRecord) -> String { "\(r.sv) \(r.seed) \(r.orderKey)" }
        let finetune = Dictionary(uniqueKeysWithValues: runs.filter { $0.methodLabel == "finetune" }.map { (cell($0), $0) })
        func meanCos(_ r: RunRecord) -> Double { Self.mean(r.gradientAlignment.map(\.alignment.cosine)) }
        let diff = Self.mean(cbf.map { meanCos($0) - meanCos(finetune[cell($0)]!) })
        #expect(cells[0] == "adaptive · mlp-bag · cbf" && cells[1] == "12" && cells[3] == "12")
        #expect(cells[2].hasPrefix(fmt(diff, 3) + " ["), "\(cells[2]) vs \(diff)")
        let gain = Self.mean(cbf.map { r in Self.mean(r.gradientAlignment.map { $0.alignment.cosine - $0.alignment.unscaledCosine }) })
        #expect(cells[5].hasPrefix(fmt(gain, 3) + " ["), "\(cells[5]) vs \(gain)")
        for (estimate, verdict) in [(cells[2], cells[4]), (cells[5], cells[6])] {
            let parts = estimate.split(whereSeparator: { "[], ".contains($0) }).compactMap { Double($0) }
            #expect(verdict == (parts[1] > 0 ? "raises" : parts[2] < 0 ? "lowers" : "does not change beyond its 95% CI"), "\(estimate) \(verdict)")
        }
        // The best tower mask by brute force over the three masks, from the stored figures.
        let reached = cbf.flatMap(\.gradientAlignment).filter { row in
            let best = [[1.0, 1, 1], [1, 0, 1], [0, 1, 1]].map { Self.masked(row.alignment, $0) }.max()!
            return Self.masked(row.alignment, [row.alignment.scale.vision, row.alignment.scale.language, 1]) >= best - 1e-12
        }.count
        #expect(cells[7] == "\(reached) of 24")
        // The continuous factors here never zero a tower.
        #expect(cells[8] == "no masked stage")
        // The stored cosine of the step is the brute-force masked one with the stored factors.
        for r in cbf.flatMap(\.gradientAlignment) {
            #expect(abs(r.alignment.cosine - Self.masked(r.alignment, [r.alignment.scale.vision, r.alignment.scale.language, 1])) < 1e-12)
        }
    }

    /// The synthetic suite of the other page tests stores no alignment: the page says so, no table.
    @Test func runsWithoutAlignmentsSaySo() throws {
        let (site, doc, _, _, _) = try PaperChecksPageTests.page()
        defer { xmlFreeDoc(doc) }
        #expect(site.xpath(doc, "//h:h2[.='Gradient alignment per stage']/following-sibling::*[2]").first?.hasPrefix("No run stored gradient alignments") == true)
    }
}
