import Analysis
import CLibXML2
import Foundation
import Linalg
import ResultStore
import Testing
@testable import Report

/// The run page's loss matrix, Shapley attribution and alignment / modality gap tables (issue
/// 19 item 5), read back from the page and from their CSV copies (data: URLs in the links) and compared with the stored
/// rows: every cell is the stored value to the page's 4 decimals.
struct RunPageTablesTests {
    let site = SiteTests()

    /// Synthetic runs with loss attributions and embedding rows (CLIP loss on some), plus one
    /// import without a loss matrix.
    func database() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("runpage-\(UUID().uuidString).sqlite").path
        let store = try Store(path: path)
        for (k, order) in [["e1", "e2", "e3"], ["e2", "e3", "e1"]].enumerated() {
            var r = SyntheticResults.record(method: "finetune", commit: "aaaa1111", seed: k, order: order, sv: 0.5, finishedAt: "2026-01-01T00:00:00Z")
            var rng = RandomStream(key: RandomKey("run page test", .int(k)))
            r.attributions = r.attributions.map { a in
                var a = a
                a.loss = GroupValues(vision: Double(rng.normal()), language: Double(rng.normal()), shared: 0.01 * Double(rng.normal()))
                return a
            }
            for stage in 0...order.count {
                for e in order + ["heldout1"] {
                    r.embeddings.append(.init(stage: stage, environment: e, alignment: Double(rng.uniform()) - 0.5,
                                              modalityGap: 1 + Double(rng.uniform()), clipLoss: stage == 1 ? nil : 3 + Double(rng.uniform())))
                }
            }
            if k == 1 { r.lossKnown = false; r.importSource = ImportSource(file: "x.csv", sha256: String(repeating: "0", count: 64)) }
            try store.insert(r)
        }
        return path
    }

    /// Rows of the table under the h2 `heading`: cell texts, header first.
    func table(_ doc: xmlDocPtr, _ heading: String) -> [[String]] {
        let t = "//h:h2[.='\(heading)']/following-sibling::h:table[1][preceding-sibling::h:h2[1][.='\(heading)']]"
        let rows = site.xpath(doc, "\(t)/h:tr").count
        return (1...max(rows, 1)).map { site.xpath(doc, "\(t)/h:tr[\($0)]/*") }.filter { !$0.isEmpty }
    }

    func close(_ shown: String, _ stored: Double) -> Bool {
        guard let v = Double(shown) else { return false }
        return abs(v - stored) <= 0.5e-4 + 1e-12 && shown.split(separator: ".").last?.count == 4
    }

    @Test func runPageTablesAreTheStoredRows() throws {
        let db = try database()
        let stored = try Store(path: db, mode: .readOnly).loadRuns()
        let (out, _) = try site.build(db)
        var cells = 0
        for run in stored {
            let r = run.record
            let (doc, error) = site.parse(out + "/runs/\(run.id).html")
            try #require(doc != nil, "\(error ?? "")")
            defer { xmlFreeDoc(doc) }
            // Loss matrix: rows stage 0...T, columns as the accuracy rows.
            let loss = table(doc!, "Loss matrix")
            if r.lossKnown {
                let cols = Set(r.accuracy.map(\.column)).count
                #expect(loss.count == 1 + Set(r.accuracy.map(\.stage)).count)
                #expect(loss[0] == ["after stage"] + (0..<cols).map { c in
                    let a = r.accuracy.first { $0.column == c }!
                    return a.environment + (a.heldOut ? " (held out)" : "")
                })
                for a in r.accuracy {
                    #expect(loss[a.stage + 1][0] == "stage \(a.stage)")
                    #expect(close(loss[a.stage + 1][a.column + 1], a.loss), "loss \(a.stage) \(a.column): \(loss[a.stage + 1][a.column + 1]) vs \(a.loss)")
                    cells += 1
                }
            } else {
                #expect(loss.isEmpty)
                #expect(site.xpath(doc!, "//h:h2[.='Loss matrix']/following-sibling::h:p[1]") == ["Not recorded: the run was imported without a loss matrix."])
            }
            // Shapley attribution: one row per stored row, accuracy then loss by group.
            let shap = table(doc!, "Shapley attribution per stage and environment")
            #expect(shap.first == ["stage", "environment", "accuracy: vision", "accuracy: language", "accuracy: shared",
                                   "loss: vision", "loss: language", "loss: shared"])
            #expect(shap.count == 1 + r.attributions.count)
            for (row, a) in zip(shap.dropFirst(), r.attributions) {
                #expect(row[0] == "\(a.stage)" && row[1] == a.environment)
                let values = [a.accuracy.vision, a.accuracy.language, a.accuracy.shared, a.loss.vision, a.loss.language, a.loss.shared]
                for (shown, v) in zip(row.dropFirst(2), values) { #expect(close(shown, v), "\(shown) vs \(v)"); cells += 1 }
            }
            // Alignment, modality gap and CLIP loss ("n/a" where the run has none at a stage).
            let emb = table(doc!, "Alignment and modality gap per stage and environment")
            #expect(emb.first == ["stage", "environment", "alignment", "modality gap", "CLIP loss"])
            #expect(emb.count == 1 + r.embeddings.count)
            for (row, e) in zip(emb.dropFirst(), r.embeddings) {
                #expect(row[0] == "\(e.stage)" && row[1] == e.environment)
                #expect(close(row[2], e.alignment) && close(row[3], e.modalityGap))
                if let c = e.clipLoss { #expect(close(row[4], c)) } else { #expect(row[4] == "n/a") }
                cells += 3
            }
            // Each table has its CSV copy in its link (a data: URL saved as runs-ID-K.csv; no
            // file, no .tex: run pages are data, not paper tables), holding the page's texts.
            let count = site.xpath(doc!, "//h:main//h:table").count
            let hrefs = site.xpath(doc!, "//h:main//h:table/following-sibling::*[1][self::h:p]/h:a/@href")
            #expect(site.xpath(doc!, "//h:main//h:table/following-sibling::*[1][self::h:p]/h:a/@download") == (1...count).map { "runs-\(run.id)-\($0).csv" })
            #expect(hrefs.count == count)
            let prefix = "data:text/csv;charset=utf-8;base64,"
            for (k, href) in hrefs.enumerated() {
                #expect(href.hasPrefix(prefix))
                let bytes = try #require(Data(base64Encoded: String(href.dropFirst(prefix.count))))
                let records = TableCopiesTests.csvRecords(String(decoding: bytes, as: UTF8.self))
                let rows = site.xpath(doc!, "(//h:main//h:table)[\(k + 1)]/h:tr").count
                #expect(records.count == rows)
                for r in 1...rows {
                    let page = site.xpath(doc!, "(//h:main//h:table)[\(k + 1)]/h:tr[\(r)]/*").flatMap(TableCopiesTests.numbers)
                    #expect(records[r - 1].flatMap(TableCopiesTests.numbers) == page, "\(href) row \(r)")
                }
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/tables").allSatisfy { !$0.hasPrefix("runs") })
        // 16 loss cells, 2 x 9 x 6 attribution values, 2 x 16 x 3 embedding values.
        #expect(cells == 16 + 108 + 96, "\(cells)")
    }
}
