import CLibXML2
import Foundation
import ResultStore
import Testing
@testable import Report

/// A suite of eight trained environments and one held out (ZSCL's and the papers' tables have
/// eleven or more): the per-environment table has a column per environment, its cells are the
/// runs' final accuracies, and its .tex and .csv copies have the right number of columns.
struct WideEnvironmentTableTests {
    let site = SiteTests()
    static let environments = (1...8).map { "env\($0)" }

    /// Three methods, two seeds, two orders (rotations) of eight environments.
    static func database() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wide8-\(UUID().uuidString).sqlite").path
        let store = try Store(path: path)
        for method in ["replay(buffer=500)", "ewc(lambda=1000)", "finetune"] {
            for seed in 0..<2 {
                for k in [0, 3] {
                    try store.insert(SyntheticResults.record(suite: "wide8", method: method, commit: "aaaa1111", seed: seed,
                                                             order: Array(environments[k...] + environments[..<k]), sv: 0.25,
                                                             finishedAt: "2026-01-01T00:00:00Z"))
                }
            }
        }
        return path
    }

    @Test func eightEnvironmentsRenderWithTheirColumnsInEveryCopy() throws {
        let db = try Self.database()
        let runs = try Store(path: db, mode: .readOnly).loadRuns().map(\.record)
        let (out, _) = try site.build(db)
        let (doc, error) = site.parse(out + "/leaderboard-wide8.html")
        try #require(doc != nil, "\(error ?? "")")
        defer { xmlFreeDoc(doc) }
        let t = "//h:table[@class='environments']"
        let heads = site.xpath(doc!, "\(t)/h:tr[1]/h:th")
        // Columns in the trained environments' stored column order of the first run, then held out.
        #expect(heads == ["method"] + Self.environments + ["heldout1 (held out)"], "\(heads)")
        let rows = site.xpath(doc!, "\(t)/h:tr").count
        #expect(rows == 1 + 3)
        for r in 2...rows {
            let m = site.xpath(doc!, "\(t)/h:tr[\(r)]/h:td[1]/h:a")[0]
            #expect(site.xpath(doc!, "\(t)/h:tr[\(r)]/h:td").count == 10)
            for (c, h) in heads.enumerated().dropFirst() {
                let e = h.replacingOccurrences(of: " (held out)", with: "")
                let finals = runs.filter { $0.methodLabel == m }.flatMap { run in
                    run.accuracy.filter { $0.stage == run.order.count && $0.environment == e }.map(\.accuracy)
                }
                #expect(finals.count == 4)
                let shown = site.xpath(doc!, "\(t)/h:tr[\(r)]/h:td[\(c + 1)]")[0]
                #expect(String(shown.prefix { $0 != " " }) == NumberStyle().format(finals.reduce(0, +) / 4), "\(m) \(e)")
            }
        }
        // The copies: a tabular of ten columns (method left, nine numeric right), every line ten cells.
        let hrefs = site.xpath(doc!, "\(t)/following-sibling::*[1]/h:a/@href")
        #expect(hrefs.count == 2)
        let tex = try String(contentsOfFile: out + "/" + hrefs[1], encoding: .utf8)
        #expect(tex.contains("\\begin{tabular}{l" + String(repeating: "r", count: 9) + "}\n"))
        let (header, body) = TableCopiesTests.texRows(tex)
        #expect(header?.count == 10 && body.count == 3 && body.allSatisfy { $0.count == 10 })
        #expect(header?.last?.trimmingCharacters(in: .whitespaces) == "heldout1 (held out)")
        let csv = TableCopiesTests.csvRecords(try String(contentsOfFile: out + "/" + hrefs[0], encoding: .utf8))
        #expect(csv.count == 4 && csv.allSatisfy { $0.count == 1 + 3 * 9 })
    }
}
