import CLibXML2
import Foundation
import ResultStore
import Testing
@testable import Report

/// How the site is written: page names and anchors unique per label, the site swapped in
/// whole, hostile text neutralised (issue 21, items 5, 7, 9, 17).
struct SiteWriteTests {
    let site = SiteTests()

    func database(suites: [String], methods: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("names-\(UUID().uuidString).sqlite").path
        let store = try Store(path: path)
        for suite in suites {
            for method in methods {
                for seed in 0..<2 {
                    try store.insert(SyntheticResults.record(suite: suite, method: method, commit: "aaaa1111", seed: seed,
                                                             order: ["e1", "e2", "e3"], sv: 0.5, finishedAt: "2026-01-01T00:00:00Z"))
                }
            }
        }
        return path
    }

    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
    }

    @Test func slugKeepsPlainNamesAndSeparatesTheRest() {
        #expect(slug("default") == "default" && slug("ewc") == "ewc" && slug("wise-ft") == "wise-ft")
        #expect(slug("Clash") == "_43lash" && slug("a_b") == "a_5fb" && slug("a b") == "a_20b")
        let names = ["Clash", "clash", "a_b", "a-b", "a b", "a__b", "_5f", "é", "e\u{301}", "ewc-a", "ewc_a", "x/y", "..", ""]
        #expect(Set(names.map(slug)).count == names.count)
        let long = String(repeating: "Ä", count: 3000)
        #expect(slug(long).utf8.count <= 100 && slug(long) != slug(long + "x"))
        #expect(slug(long).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        // In a site, a label keeps its readable form unless another label shares it (so the
        // default suite's pages and anchors keep their names).
        let table = SlugTable(["ewc(lambda=1000)", "replay(buffer=500)", "finetune"] + names)
        #expect(table["ewc(lambda=1000)"] == "ewc-lambda-1000" && table["replay(buffer=500)"] == "replay-buffer-500")
        #expect(table["Clash"] == "_43lash" && table["clash"] == "clash" && table["x/y"] == "x-y")
        // (Swift compares strings canonically: "é" and "e\u{301}" are one label in a site.)
        let distinct = Array(Set(names + ["ewc(lambda=1000)"]))
        #expect(Set(distinct.map { table[$0] }).count == distinct.count)
    }

    /// Before: `Clash` and `clash` (and `a_b`, `a-b`) shared one set of pages, so one suite vanished.
    @Test func suitesDifferingInCaseOrPunctuationKeepTheirOwnPages() throws {
        let suites = ["Clash", "clash", "a_b", "a-b"]
        let db = try database(suites: suites, methods: ["ewc-a", "ewc_a"])
        let out = temporary("clash")
        let written = try SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: out, jobs: 1)
            .build(store: try Store(path: db, mode: .readOnly))
        #expect(Set(written).count == written.count)
        for suite in suites {
            let path = "\(out)/leaderboard-\(slug(suite)).html"
            let (doc, error) = site.parse(path)
            try #require(doc != nil, "\(path): \(error ?? "")")
            defer { xmlFreeDoc(doc) }
            #expect(site.xpath(doc!, "//h:h1") == ["Leaderboard: \(suite)"])
            // One anchor per method, and each method's link points at its own anchor.
            let anchors = site.xpath(doc!, "//h:p[starts-with(@id, 'runs-')]/@id")
            #expect(Set(anchors).count == 2, "\(anchors)")
            for m in ["ewc-a", "ewc_a"] {
                #expect(site.xpath(doc!, "//h:p[@id='runs-\(slug(m))']/h:strong") == [m])
            }
        }
        // Two threads write the same bytes.
        let again = temporary("clash2")
        let written2 = try SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: again, jobs: 2)
            .build(store: try Store(path: db, mode: .readOnly))
        #expect(written2.map { $0.dropFirst(again.count) } == written.map { $0.dropFirst(out.count) })
        for p in written { #expect(FileManager.default.contents(atPath: p) == FileManager.default.contents(atPath: again + p.dropFirst(out.count))) }
    }

    /// A re-render replaces the whole directory: pages of runs no longer in the database go,
    /// no staging directory is left, and a symbolic link to the site stays a link.
    @Test func aRenderReplacesTheSiteWhole() throws {
        let fm = FileManager.default
        let db = try database(suites: ["demo"], methods: ["finetune"])
        let parent = temporary("swap")
        try fm.createDirectory(atPath: parent + "/real", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: parent + "/site", withDestinationPath: parent + "/real")
        let builder = SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: parent + "/site")
        try builder.build(store: try Store(path: db, mode: .readOnly))
        try Data("stale".utf8).write(to: URL(fileURLWithPath: parent + "/real/runs/999.html"))
        try builder.build(store: try Store(path: db, mode: .readOnly))
        #expect(try fm.destinationOfSymbolicLink(atPath: parent + "/site") == parent + "/real")
        #expect(fm.fileExists(atPath: parent + "/real/index.html"))
        #expect(!fm.fileExists(atPath: parent + "/real/runs/999.html"))
        #expect(try fm.contentsOfDirectory(atPath: parent).sorted() == ["real", "site"])
    }

    /// A directory that holds files but no site is not replaced: the user's files stay.
    @Test func aDirectoryThatIsNotASiteIsRefused() throws {
        let fm = FileManager.default
        let db = try database(suites: ["demo"], methods: ["finetune"])
        let dir = temporary("notasite") + "/site"
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("thesis".utf8).write(to: URL(fileURLWithPath: dir + "/thesis.tex"))
        do {
            try SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: dir).build(store: try Store(path: db, mode: .readOnly))
            Issue.record("replaced a directory that was not a site")
        } catch let e as ReportError {
            #expect(e.description.contains("holds files but no clvbench site"), "\(e)")
        }
        #expect(try fm.contentsOfDirectory(atPath: dir) == ["thesis.tex"])
        #expect(try fm.contentsOfDirectory(atPath: (dir as NSString).deletingLastPathComponent).filter { $0.contains(".staging-") }.isEmpty)
    }

    /// Before: a label with \u{1} or ESC made pages malformed XHTML and truncated Atom titles;
    /// U+202E reached the page as it was.
    @Test func controlCharactersAndBidiOverridesAreNeutralisedOnEveryPage() throws {
        let hostile = "m\u{1}\u{1B}[31mred\u{7F}\u{9B}\u{202E}gnp.exe"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UUID().uuidString).sqlite").path
        let store = try Store(path: path)
        for (k, commit) in ["aaaa1111", "bbbb2222"].enumerated() {
            for method in [hostile, "finetune"] {
                for seed in 0..<5 {  // compare's minimum pairs, so the feed has an entry
                    try store.insert(SyntheticResults.record(suite: "s\u{202E}\u{1}", method: method, commit: commit, seed: seed,
                                                             order: ["e1", "e2", "e3"], sv: 0.5,
                                                             shift: k == 1 && method == hostile ? -0.2 : 0,
                                                             finishedAt: "2026-01-0\(k + 1)T00:00:00Z"))
                }
            }
        }
        let out = temporary("ctl")
        let written = try SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: out).build(store: try Store(path: path, mode: .readOnly))
        #expect(written.contains(out + "/regressions.xml"))
        for p in written {
            let (doc, error) = site.parse(p)
            #expect(doc != nil, "\(p): \(error ?? "")")
            xmlFreeDoc(doc)
            let text = String(decoding: FileManager.default.contents(atPath: p)!, as: UTF8.self)
            #expect(!text.unicodeScalars.contains { DisplayText.isHidden($0) }, "\(p)")
        }
        let feed = String(decoding: FileManager.default.contents(atPath: out + "/regressions.xml")!, as: UTF8.self)
        #expect(feed.contains("m\u{FFFD}\u{FFFD}[31mred\u{FFFD}\u{FFFD}\u{FFFD}gnp.exe"), "\(feed)")
    }

    /// Before: a label with a newline, `## heading`, a link or an <img onerror> broke out of the
    /// compare table into the CI comment.
    @Test func markdownTableCellsCannotLeaveTheirCell() throws {
        let hostile = "x\n## heading [link](http://e.x) <img src=x onerror=alert(1)> `code` *b* _i_ a|b &amp;"
        let cell = VersionComparison.markdownCell(hostile)
        #expect(!cell.contains("\n") && !cell.contains("<") && !cell.contains(">"))
        #expect(!cell.contains(where: { "|[]()`*_#!".contains($0) }) || cell.indices.allSatisfy { i in
            !"|[]()`*_#!".contains(cell[i]) || (i > cell.startIndex && cell[cell.index(before: i)] == "\\")
        })
        #expect(cell.contains("&lt;img src=x onerror=alert\\(1\\)&gt;") && cell.contains("&amp;amp;") && cell.contains("a\\|b"))
        let runs = try Store(path: try database(suites: [hostile], methods: [hostile]), mode: .readOnly).loadRuns()
        var head = runs
        for i in head.indices { head[i].record.provenance.commit = "bbbb2222"; head[i].record.finishedAt = "2026-02-01T00:00:00Z" }
        let rows = VersionComparison.compare((runs + head).map(\.record), base: "aaaa1111", head: "bbbb2222")
        let table = VersionComparison.table(rows, markdown: true)
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 2 + rows.count + 2, "\(table)")  // header, rule, rows, blank, footer
        #expect(lines.dropLast(2).allSatisfy { $0.hasPrefix("| ") || $0.hasPrefix("| ---") || $0.hasPrefix("|") })
        #expect(lines.dropLast(2).allSatisfy { line in line.split(separator: "|", omittingEmptySubsequences: false).count - 1
            - line.components(separatedBy: "\\|").count + 1 == 11 })
    }
}
