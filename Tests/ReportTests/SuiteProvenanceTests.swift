import CLibXML2
import Foundation
import ResultStore
import Testing
@testable import Report

/// The suite's definition and code versions on its pages, and `report --code-version` (issue 19
/// item 4): the page shows the text and hash the store keeps, the grid declared and covered, the
/// versions shown (dirty ones flagged), and a pinned version's runs, counted here from the runs.
struct SuiteProvenanceTests {
    let site = SiteTests()
    static let yaml = "name: demo\n# a <suite> & its \"text\"\nseeds: [0, 1]\n  indented: kept\n"
    static let hash = "3f2a9c0d1e2b4a5f"

    /// The synthetic suite by two code versions, the second 0.1 lower, with `yaml` as its text.
    func database(commits: [String] = ["aaaa1111", "bbbb2222"], edit: (inout RunRecord) -> Void = { _ in }) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("provenance-\(UUID().uuidString).sqlite").path
        let store = try Store(path: path)
        for (k, commit) in commits.enumerated() {
            for method in ["finetune", "ewc"] {
                for seed in 0..<2 {
                    for order in [["e1", "e2", "e3"], ["e2", "e3", "e1"], ["e3", "e1", "e2"]] {
                        for sv in [0.2, 0.8] {
                            var r = SyntheticResults.record(method: method, commit: commit, seed: seed, order: order, sv: sv,
                                                            shift: -0.1 * Double(k), finishedAt: "2026-01-0\(k + 1)T00:00:00Z")
                            r.suiteText = Self.yaml
                            r.suiteHash = Self.hash
                            edit(&r)
                            try store.insert(r)
                        }
                    }
                }
            }
        }
        return path
    }

    func build(_ db: String, _ configure: (inout SiteBuilder) throws -> Void = { _ in }) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString)").path
        var b = SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: out)
        try configure(&b)
        try b.build(store: try Store(path: db, mode: .readOnly))
        return out
    }

    func page(_ out: String, _ name: String) throws -> xmlDocPtr {
        let (doc, error) = site.parse(out + "/" + name)
        return try #require(doc, "\(name): \(error ?? "")")
    }

    @Test func leaderboardShowsTheStoredSuiteTextHashGridAndVersion() throws {
        let db = try database()
        let runs = try Store(path: db, mode: .readOnly).loadRuns().map(\.record)
        // A declared grid unlike the covered one (as a suite partly run): both columns are shown.
        let out = try build(db) { $0.declaredGrids[Self.hash] = SuiteGrid(orders: 3, similarities: 2, seeds: 3, methods: 2, models: 1, protocols: 1, cells: 36) }
        let doc = try page(out, "leaderboard-demo.html")
        defer { xmlFreeDoc(doc) }
        #expect(site.xpath(doc, "//h:pre[@class='suite-text']") == [Self.yaml])
        #expect(site.xpath(doc, "//h:h3").contains { $0.hasPrefix("Suite text \(Self.hash) (24 run(s) shown)") })
        // The covered grid, counted from the newest version's runs.
        let newest = runs.filter { $0.provenance.commit == "bbbb2222" }
        let covered: [String: Int] = ["orders": Set(newest.map(\.orderKey)).count, "similarity settings": Set(newest.map { [$0.sv, $0.sl] }).count,
                                      "seeds": Set(newest.map(\.seed)).count, "methods": Set(newest.map(\.methodLabel)).count,
                                      "models": 1, "protocols": 1, "cells": Set(newest.map(\.cellHash)).count]
        let declared = ["orders": 3, "similarity settings": 2, "seeds": 3, "methods": 2, "models": 1, "protocols": 1, "cells": 36]
        #expect(site.xpath(doc, "//h:table[@class='grid']/h:tr[1]/h:th") == ["axis", "declared (suite text \(Self.hash.prefix(12)))", "in the runs shown"])
        for (axis, n) in covered {
            #expect(site.xpath(doc, "//h:table[@class='grid']/h:tr[h:td[1]='\(axis)']/h:td") == [axis, "\(declared[axis]!)", "\(n)"], "\(axis)")
        }
        #expect(covered["cells"] == 24)
        #expect(site.xpath(doc, "//h:table[@class='versions']/h:tr[2]/h:td") == ["bbbb2222", "clvbench", "no", "ewc, finetune", "24"])
        // Every suite page names the version it shows and links the definition.
        for p in SuitePage.all {
            let d = try page(out, p.fileName(suite: "demo", SlugTable(["demo"])))
            defer { xmlFreeDoc(d) }
            let line = site.xpath(d, "//h:p[@class='provenance']")
            #expect(line.count == 1 && line[0].hasPrefix("Code version shown: bbbb2222 (clvbench), the newest"), "\(p.file): \(line)")
            #expect(site.xpath(d, "//h:p[@class='provenance']/h:a/@href") == ["leaderboard-demo.html#suite-definition"])
        }
        // Without a declared grid (an import's suite, a text that no longer parses) the column says so.
        let bare = try build(db)
        let b = try page(bare, "leaderboard-demo.html")
        defer { xmlFreeDoc(b) }
        #expect(site.xpath(b, "//h:table[@class='grid']/h:tr[h:td[1]='cells']/h:td") == ["cells", "–", "24"])
    }

    @Test func codeVersionPinsTheRunsTheLeaderboardShows() throws {
        let db = try database()
        let stored = try Store(path: db, mode: .readOnly).loadRuns()
        let runs = stored.map(\.record)
        let pinned = try SiteBuilder.resolveCodeVersion("aaaa", runs: runs)
        #expect(pinned == "aaaa1111")
        #expect(try SiteBuilder.resolveCodeVersion("previous", runs: runs) == "aaaa1111")
        let out = try build(db) { $0.codeVersion = pinned }
        let newestOut = try build(db)
        let doc = try page(out, "leaderboard-demo.html"), newest = try page(newestOut, "leaderboard-demo.html")
        defer { xmlFreeDoc(doc); xmlFreeDoc(newest) }
        let style = NumberStyle()
        for (d, commit) in [(doc, "aaaa1111"), (newest, "bbbb2222")] {
            for method in ["finetune", "ewc"] {
                let mine = runs.filter { $0.provenance.commit == commit && $0.methodLabel == method }
                let last = mine.map { $0.metrics["last"]!! }.reduce(0, +) / Double(mine.count)
                let row = site.xpath(d, "(//h:table[@class='leaderboard'])[1]/h:tr[h:td[2]/h:a='\(method)']/h:td")
                #expect(row.count > 3 && row[2] == "\(mine.count)" && row[3].hasPrefix(style.format(last) + " ["), "\(commit) \(method): \(row)")
            }
            // The runs behind the numbers are that version's.
            let linked = Set(site.xpath(d, "//h:p[starts-with(@id, 'runs-')]/h:a/@href"))
            #expect(linked == Set(stored.filter { $0.record.provenance.commit == commit }.map { "runs/\($0.id).html" }))
        }
        #expect(site.xpath(doc, "//h:p[@class='provenance']")[0].hasPrefix("Code version shown: aaaa1111 (clvbench), pinned with report --code-version aaaa1111."))
        let index = try page(out, "index.html")
        defer { xmlFreeDoc(index) }
        #expect(site.xpath(index, "//h:table[1]/h:tr[2]/h:td[2]") == ["aaaa1111"])
        // `export --format latex --code-version`: the pinned site's ranking tables, not the newest's.
        var pinnedBuilder = SiteBuilder()
        pinnedBuilder.codeVersion = pinned
        let tex = try pinnedBuilder.leaderboardLaTeX(runs: stored, suite: "demo")
        let files = try site.xpath(doc, "//h:table[@class='leaderboard']/following-sibling::*[1]/h:a[2]/@href")
            .map { try String(contentsOfFile: out + "/" + $0, encoding: .utf8) }
        #expect(files.count == 3 && tex == files.joined(separator: "\n"))
        #expect(tex != (try SiteBuilder().leaderboardLaTeX(runs: stored, suite: "demo")))
        pinnedBuilder.codeVersion = "cccc"
        #expect(throws: ReportError.self) { try pinnedBuilder.leaderboardLaTeX(runs: stored, suite: "demo") }
        // History still follows every version.
        let history = try String(contentsOfFile: out + "/history.html", encoding: .utf8)
        #expect(history.contains("bbbb2222") && history.contains("aaaa1111"))
    }

    @Test func unknownOrAmbiguousVersionIsRefusedNamingTheVersionsAndWritesNothing() throws {
        let db = try database(commits: ["aaaa1111", "aaaa2222", "bbbb3333"])
        let runs = try Store(path: db, mode: .readOnly).loadRuns().map(\.record)
        for spec in ["zzzz", "aaaa"] {
            do {
                _ = try SiteBuilder.resolveCodeVersion(spec, runs: runs)
                Issue.record("\(spec) was accepted")
            } catch let e as ReportError {
                #expect(e.description.contains("versions: aaaa1111, aaaa2222, bbbb3333"), "\(e.description)")
            }
        }
        #expect(try SiteBuilder.resolveCodeVersion("aaaa2", runs: runs) == "aaaa2222")
        // A version no run has never reaches the disk.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString)").path
        var b = SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: out)
        b.codeVersion = "cccc"
        #expect(throws: ReportError.self) { try b.build(store: try Store(path: db, mode: .readOnly)) }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A dirty clvbench version and an external method's own version are named and flagged.
    @Test func dirtyAndMethodOwnVersionsAreFlagged() throws {
        let db = try database(commits: ["aaaa1111+0123456789ab"]) { r in
            r.provenance.dirty = true
            if r.methodLabel == "ewc" {
                r.methodLabel = "mine"
                r.methodName = "external"
                r.external = true
                r.methodVersion = MethodVersion(commit: "m1", dirty: false, repository: nil)
            }
        }
        let out = try build(db)
        let doc = try page(out, "leaderboard-demo.html")
        defer { xmlFreeDoc(doc) }
        let line = site.xpath(doc, "//h:p[@class='provenance']")[0]
        #expect(line.hasPrefix("Code versions shown: aaaa1111+0123456789ab+dirty (clvbench, uncommitted changes); m1 (mine's own), the newest"), "\(line)")
        #expect(site.xpath(doc, "//h:p[@class='provenance']/h:span[@class='dirty']") == ["uncommitted changes"])
        #expect(site.xpath(doc, "//h:table[@class='versions']/h:tr/h:td[3]") == ["yes", "no"])
        #expect(site.xpath(doc, "//h:table[@class='versions']/h:tr/h:td[2]") == ["clvbench", "mine's own"])
        // Pinning clvbench's dirty version by its commit prefix plus diff prefix keeps the external
        // runs that version made (at their own version m1).
        let runs = try Store(path: db, mode: .readOnly).loadRuns().map(\.record)
        let v = try SiteBuilder.resolveCodeVersion("aaaa+0123", runs: runs)
        let pinned = try build(db) { $0.codeVersion = v }
        let p = try page(pinned, "leaderboard-demo.html")
        defer { xmlFreeDoc(p) }
        #expect(Set(site.xpath(p, "(//h:table[@class='leaderboard'])[1]/h:tr/h:td[2]/h:a")) == ["finetune", "mine"])
    }
}
