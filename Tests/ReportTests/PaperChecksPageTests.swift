import CLibXML2
import Foundation
import ResultStore
import Testing
@testable import Report

/// The Paper checks page against figures computed by hand from the synthetic runs.
struct PaperChecksPageTests {
    @Test func t1RowCountsTransitionsAndItsInterceptIsTheMeanDrift() throws {
        let db = try SyntheticResults.database()
        let site = SiteTests()
        let (out, written) = try site.build(db)
        let path = out + "/paper-checks-demo.html"
        #expect(written.contains(path))
        let (doc, error) = site.parse(path)
        try #require(doc != nil, "\(error ?? "")")
        defer { xmlFreeDoc(doc) }
        let row = site.xpath(doc!, "(//h:table)[1]//h:tr[h:td[1]='adaptive · mlp-bag · finetune']/h:td")
        try #require(row.count == 11, "\(row)")
        // The synthetic runs store no CLIP losses: ΔCE alone, and the page says why.
        #expect(row[4] == "ΔCE" && row[9] == "CLIP losses not stored")
        #expect(site.xpath(doc!, "(//h:table)[1]//h:tr[h:td[5]='ΔCLIP']").isEmpty)
        // 2 seeds x 3 orders x 2 similarities, two transitions each.
        #expect(row[2] == "12" && row[3] == "24")
        // The synthetic scores are constants (0.2, 0.1): both slopes drop, α is the mean ΔCE, with
        // ΔCE = loss[k+1][t] - loss[k][t] = acc[k][t] - acc[k+1][t] (loss = 1 - accuracy).
        var drift: [Double] = []
        for r in try Store(path: db, mode: .readOnly).loadRuns().map(\.record) where r.methodLabel == "finetune" {
            let acc = Dictionary(uniqueKeysWithValues: r.accuracy.map { ("\($0.stage) \($0.environment)", $0.accuracy) })
            for k in 1..<r.order.count { drift.append(acc["\(k) \(r.order[k - 1])"]! - acc["\(k + 1) \(r.order[k - 1])"]!) }
        }
        #expect(drift.count == 24)
        let mean = drift.reduce(0, +) / Double(drift.count)
        #expect(row[5].hasPrefix("0 [") && row[6].hasPrefix("0 ["))
        #expect(row[7].hasPrefix(fmt(mean, 3) + " ["), "\(row[7]) vs \(mean)")
        #expect(row[8].hasPrefix("0 ["))  // constant predictors explain nothing
        // T2: no stored alignment in the synthetic runs, one λ.
        let t2 = site.xpath(doc!, "(//h:table)[2]//h:tr[h:td[1]='adaptive · mlp-bag · finetune']/h:td")
        #expect(t2.count == 5 && t2[3] == "one λ only" && t2[4] == "0")
    }

    static func page() throws -> (SiteTests, xmlDocPtr, [RunRecord], String, String) {
        let db = try SyntheticResults.database()
        let site = SiteTests()
        let (out, _) = try site.build(db)
        let (doc, error) = site.parse(out + "/paper-checks-demo.html")
        try #require(doc != nil, "\(error ?? "")")
        return (site, doc!, try Store(path: db, mode: .readOnly).loadRuns().map(\.record), out, db)
    }

    /// Each heatmap cell is the mean over the group's runs of the stored AUROC(a, b) at that
    /// stage, recomputed here from the database; one SVG per stage, rows in, columns out.
    @Test func pairwiseHeatmapsShowTheMeanStoredAUROCPerStage() throws {
        let (site, doc, runs, _, _) = try Self.page()
        defer { xmlFreeDoc(doc) }
        let mine = runs.filter { $0.methodLabel == "finetune" }
        #expect(mine.count == 12)
        let envs = ["e1", "e2", "e3"]
        for k in 0...3 {
            let title = k == 0 ? "stage 0 (pretrained)" : "after stage \(k)"
            let svg = "//s:svg[@aria-label='Pairwise MCM AUROC, adaptive · mlp-bag · finetune, \(title)']"
            #expect(site.xpath(doc, svg).count == 1, "\(title)")
            #expect(site.xpath(doc, "\(svg)/s:text[1]") == ["\(title): 12 runs, 72 pairs"])
            #expect(site.xpath(doc, "\(svg)//s:text").contains("in-distribution environment"))
            #expect(site.xpath(doc, "\(svg)//s:text").contains("OOD environment"))
            #expect(site.xpath(doc, "\(svg)//s:rect[@class='scale']").count == 10)
            #expect(site.xpath(doc, "\(svg)//s:text[@class='value']").count == 6)
            for a in envs {
                for b in envs where b != a {
                    let values = mine.flatMap { $0.oodPairs.filter { $0.stage == k && $0.inEnvironment == a && $0.outEnvironment == b }.map(\.auroc) }
                    #expect(values.count == 12)
                    let mean = values.reduce(0, +) / 12
                    let cell = "\(svg)//s:rect[@data-row='\(a)' and @data-column='\(b)']"
                    let shown = try #require(site.xpath(doc, "\(cell)/@data-value").first.flatMap(Double.init), "\(a)->\(b)")
                    #expect(abs(shown - mean) < 1e-12, "stage \(k) \(a)->\(b): \(shown) vs \(mean)")
                    #expect(site.xpath(doc, "\(cell)/following-sibling::s:text[1]") == [fmt(mean, 3)])
                }
            }
        }
        // The external method stores no OOD rows: no heatmaps of its own.
        #expect(site.xpath(doc, "//s:svg[contains(@aria-label, 'alert')]").isEmpty)
    }

    /// The scatter's points are the stored stage-0 (Con_I→T, AUROC) pairs of the group's runs,
    /// its caption's Pearson theirs by a naive formula; the cumulative lines' points are
    /// OODSummary's means and CIs (what analyze prints), each mean the plain mean over runs.
    @Test func oodFiguresCarryTheStoredPointsAndAnalyzesIntervals() throws {
        let (site, doc, runs, _, _) = try Self.page()
        defer { xmlFreeDoc(doc) }
        let mine = runs.filter { $0.methodLabel == "finetune" }
        let scatter = "//s:svg[@aria-label='Con_I→T against pairwise AUROC, adaptive · mlp-bag · finetune, stage 0 (pretrained)']"
        #expect(site.xpath(doc, scatter).count == 1)
        let xs = site.xpath(doc, "\(scatter)//s:circle/@data-x").compactMap(Double.init)
        let ys = site.xpath(doc, "\(scatter)//s:circle/@data-y").compactMap(Double.init)
        let stored = mine.flatMap { $0.oodPairs.filter { $0.stage == 0 } }
        #expect(xs.count == 72 && stored.count == 72)
        let shown = zip(xs, ys).map { "\($0) \($1)" }.sorted(), expected = stored.map { "\($0.conImageToText) \($0.auroc)" }.sorted()
        #expect(shown == expected)
        let mx = xs.reduce(0, +) / 72, my = ys.reduce(0, +) / 72
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (x, y) in zip(xs, ys) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx); syy += (y - my) * (y - my) }
        let pearson = sxy / (sxx * syy).squareRoot()
        #expect(site.xpath(doc, "\(scatter)/following-sibling::h:p[@class='caption']") == ["adaptive · mlp-bag · finetune: Pearson \(fmt(pearson, 3)), n 72 (run, pair) points"])

        let lines = "//s:svg[@aria-label='Cumulative MCM AUROC over stages, adaptive · mlp-bag']"
        #expect(site.xpath(doc, lines).count == 1)
        let summary = try #require(OODSummary.compute(runs: mine).first)
        for k in 1...3 {
            let point = "\(lines)//s:circle[@data-series='0'][\(k)]"
            let value = try #require(site.xpath(doc, "\(point)/@data-value").first.flatMap(Double.init))
            let low = try #require(site.xpath(doc, "\(point)/@data-low").first.flatMap(Double.init))
            let high = try #require(site.xpath(doc, "\(point)/@data-high").first.flatMap(Double.init))
            let c = try #require(summary.stages.first { $0.stage == k }?.cumulative)
            #expect(value == c.estimate && low == c.low && high == c.high, "stage \(k)")
            let mean = mine.map { r in r.oodCumulative.first { $0.stage == k }!.auroc }.reduce(0, +) / 12
            #expect(abs(value - mean) < 1e-12 && low <= value && value <= high)
        }
        // The hostile external method stores no OOD rows: no figure of its own.
        #expect(site.xpath(doc, "//s:svg[contains(@aria-label, 'alert')]").isEmpty)
    }

    /// The four-score table: per group, world and stage, the mean over (run, pair) and σ (the
    /// population SD over one run's pairs, mean over runs), recomputed from the stored rows.
    @Test func conTableIsTheMeanAndSpreadOfTheStoredRows() throws {
        let (site, doc, runs, _, _) = try Self.page()
        defer { xmlFreeDoc(doc) }
        let table = "//h:h2[.='Contribution scores at every checkpoint']/following-sibling::h:table[1]"
        let header = site.xpath(doc, "\(table)/h:tr[1]/h:th")
        #expect(header == ["protocol · model · method", "sv, sl", "stage", "runs", "pairs", "Con_I→T mean", "Con_I→T σ", "Con_T→I mean",
                           "Con_T→I σ", "Con_I→I mean", "Con_I→I σ", "Con_T→T mean", "Con_T→T σ"])
        let rows = site.xpath(doc, "\(table)/h:tr").count
        // 2 methods x 2 worlds x 4 stages, the hostile external method included (its embeddings give the scores).
        #expect(rows == 1 + 2 * 2 * 4)
        var checked = 0
        for i in 2...rows {
            let cells = site.xpath(doc, "(\(table)/h:tr)[\(i)]/h:td")
            guard cells[0] == "adaptive · mlp-bag · finetune" else { continue }
            let sv = cells[1] == "0.2, 0.5" ? 0.2 : 0.8
            for k in 0...3 {
                let c = k == 0 ? cells : site.xpath(doc, "(\(table)/h:tr)[\(i + k)]/h:td")
                let group = runs.filter { $0.methodLabel == "finetune" && $0.sv == sv }.map { $0.conPairs.filter { $0.stage == k } }
                #expect(c[2] == (k == 0 ? "0 (pretrained)" : "\(k)") && c[3] == "6" && c[4] == "36")
                let getters: [(RunRecord.ConPairRow) -> Double] = [\.conImageToText, \.conTextToImage, \.conImageToImage, \.conTextToText]
                for (j, get) in getters.enumerated() {
                    let all = group.flatMap { $0.map(get) }
                    let mean = all.reduce(0, +) / Double(all.count)
                    let sds = group.map { rows -> Double in
                        let x = rows.map(get), m = x.reduce(0, +) / Double(x.count)
                        return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count)).squareRoot()
                    }
                    #expect(c[5 + 2 * j] == fmt(mean, 3), "stage \(k) score \(j)")
                    #expect(c[6 + 2 * j] == fmt(sds.reduce(0, +) / Double(sds.count), 3), "stage \(k) score \(j) σ")
                }
                checked += 1
            }
        }
        #expect(checked == 8)
    }

    /// Beside every table and figure: its n and the runs behind it, each a link to a run page
    /// that exists; T1's are exactly the runs its rows count.
    @Test func everyTableAndFigureSaysItsNAndItsRuns() throws {
        let (site, doc, _, out, db) = try Self.page()
        defer { xmlFreeDoc(doc) }
        let tables = site.xpath(doc, "//h:main//h:table").count
        let svgs = site.xpath(doc, "//h:main//s:svg").count
        // One basis per table; heatmaps: one per group row of figures.
        let figureRows = site.xpath(doc, "//h:main//h:div[@class='figures']").count
        let bases = site.xpath(doc, "//h:main//h:div[@class='basis']")
        // 4 heatmaps (one group, stages 0-3), the Con_I→T/AUROC scatter and the cumulative-AUROC lines.
        #expect(tables == 4 && svgs == 6 && figureRows == 3)
        #expect(bases.count == tables + figureRows, "\(bases.count)")
        #expect(bases.allSatisfy { $0.hasPrefix("n: ") })
        for k in 1...figureRows {
            #expect(site.xpath(doc, "(//h:main//h:div[@class='figures'])[\(k)]/following-sibling::*[1][@class='basis']").count == 1)
        }
        for k in 1...tables {
            // After the table come its CSV/TeX links, then its basis.
            #expect(site.xpath(doc, "((//h:main//h:table)[\(k)]/following-sibling::*)[2][@class='basis']").count == 1, "table \(k)")
        }
        let t1 = site.xpath(doc, "(//h:main//h:div[@class='basis'])[1]//h:a/@href")
        let ids = try Store(path: db, mode: .readOnly).loadRuns().filter { $0.record.methodLabel == "finetune" }.map { "runs/\($0.id).html" }
        #expect(Set(t1) == Set(ids) && t1.count == 12)
        #expect(bases[0].hasPrefix("n: 24 transitions"))
        for href in Set(site.xpath(doc, "//h:main//h:div[@class='basis']//h:a/@href")) {
            #expect(FileManager.default.fileExists(atPath: out + "/" + href), "\(href)")
        }
    }
}
