import CLibXML2
import Foundation
import ResultStore
import Testing
@testable import Report

struct SiteTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("site-template").path

    func build(_ db: String, jobs: Int = 1) throws -> (String, [String]) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString)").path
        let written = try SiteBuilder(templateDirectory: Self.templates, outputDirectory: out, jobs: jobs)
            .build(store: try Store(path: db, mode: .readOnly))
        return (out, written)
    }

    /// Parses a written page as XML with libxml2; nil with the first error when it is not well formed.
    func parse(_ path: String) -> (doc: xmlDocPtr?, error: String?) {
        let d = xmlReadFile(path, "UTF-8", Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue))
        if d == nil { return (nil, xmlGetLastError().map { String(cString: $0.pointee.message) } ?? "unknown") }
        return (d, nil)
    }

    func xpath(_ doc: xmlDocPtr, _ expr: String) -> [String] {
        let ctx = xmlXPathNewContext(doc)!
        defer { xmlXPathFreeContext(ctx) }
        xmlXPathRegisterNs(ctx, "h", "http://www.w3.org/1999/xhtml")
        xmlXPathRegisterNs(ctx, "s", "http://www.w3.org/2000/svg")
        guard let r = xmlXPathEvalExpression(expr, ctx) else { return [] }
        defer { xmlXPathFreeObject(r) }
        guard let set = r.pointee.nodesetval else { return [] }
        return (0..<Int(set.pointee.nodeNr)).map { i in
            let n = set.pointee.nodeTab[i]!
            let c = xmlNodeGetContent(n)
            defer { clv_xml_free(c) }
            return c.map { String(cString: $0) } ?? ""
        }
    }

    @Test func everyPageParsesAndEscapesHostileNames() throws {
        let (out, written) = try build(try SyntheticResults.database())
        #expect(written.count == 1 + 6 + 1 + 1 + 1 + 24)  // index, 6 suite pages, history, feed, speed, 24 runs
        for path in written {
            let (doc, error) = parse(path)
            try #require(doc != nil, "\(path): \(error ?? "")")
            defer { xmlFreeDoc(doc) }
            // No element or attribute came out of the hostile method name.
            #expect(xpath(doc!, "//h:script | //*[local-name()='script']").isEmpty, "\(path)")
            #expect(xpath(doc!, "//@*[contains(., '<script')][local-name()!='title' and local-name()!='aria-label']").allSatisfy { $0.contains("<script>") })
        }
        let (lb, _) = parse(out + "/leaderboard-demo.html")
        defer { xmlFreeDoc(lb) }
        #expect(xpath(lb!, "//h:table[@class='leaderboard']//h:a").contains(SyntheticResults.evilMethod))
        #expect(!xpath(lb!, "//s:svg").isEmpty)
        let raw = try String(contentsOfFile: out + "/leaderboard-demo.html", encoding: .utf8)
        #expect(raw.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"q\""))
    }

    @Test func everyInternalLinkResolves() throws {
        let (out, written) = try build(try SyntheticResults.database())
        for path in written where path.hasSuffix(".html") {
            let (doc, _) = parse(path)
            defer { xmlFreeDoc(doc) }
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
            let ids = Set(xpath(doc!, "//@id"))
            for href in xpath(doc!, "//h:a/@href | //h:link/@href") where !href.hasPrefix("http") && !href.hasPrefix("data:") {
                let parts = href.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                if !parts[0].isEmpty {
                    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(parts[0]).standardizedFileURL.path), "\(path) -> \(href)")
                } else if parts.count == 2 {
                    #expect(ids.contains(parts[1]), "\(path) -> \(href)")
                }
            }
        }
        #expect(FileManager.default.fileExists(atPath: out + "/style.css"))
    }

    @Test func sameDatabaseGivesByteIdenticalSites() throws {
        let db = try SyntheticResults.database(commits: ["aaaa1111", "bbbb2222"])
        let (a, written) = try build(db)
        // Again, and on three threads: the same files in the same order, byte for byte.
        for jobs in [1, 3] {
            let (b, again) = try build(db, jobs: jobs)
            #expect(again.map { $0.dropFirst(b.count) } == written.map { $0.dropFirst(a.count) })
            for path in written {
                let other = b + path.dropFirst(a.count)
                #expect(FileManager.default.contents(atPath: path) == FileManager.default.contents(atPath: other), "\(path)")
            }
        }
    }

    /// speed.html: one row per figure with the medians of the first and latest version (two
    /// bench runs each in the synthetic database) and a chart across versions.
    @Test func speedPageShowsEachFigureAcrossVersions() throws {
        let (out, written) = try build(try SyntheticResults.database(commits: ["aaaa1111", "bbbb2222"]))
        #expect(written.contains(out + "/speed.html"))
        let (doc, error) = parse(out + "/speed.html")
        try #require(doc != nil, "\(error ?? "")")
        defer { xmlFreeDoc(doc) }
        let row = xpath(doc!, "//h:tr[h:td[1]='train step b=128']/h:td")
        #expect(row.prefix(6) == ["train step b=128", "steps/s", "2", "300.5", "310.5", "\(fmt(310.5 / 300.5, 3))x"])
        #expect(xpath(doc!, "//h:td[1]").contains(SyntheticResults.evilMethod))
        #expect(xpath(doc!, "//s:svg").count == 2)
        let (index, _) = parse(out + "/index.html")
        defer { xmlFreeDoc(index) }
        #expect(xpath(index!, "//h:nav//h:a[@href='speed.html'] | //*[@id='nav']/h:a[@href='speed.html']").count == 1)
    }

    /// The order-robustness page's rank flips against a count made directly from the runs: for
    /// each similarity setting, task order and method pair, do the per-order means (over seeds)
    /// rank the pair the other way round from the pooled means?
    @Test func rankFlipsMatchABruteForceCount() throws {
        let db = try SyntheticResults.database()
        let runs = try Store(path: db, mode: .readOnly).loadRuns().map(\.record)
        let (out, _) = try build(db)
        let page = try String(contentsOfFile: out + "/orders-demo.html", encoding: .utf8)
        func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
        var expected: [String] = []
        for sv in Array(Set(runs.map(\.sv))).sorted() {
            let rs = runs.filter { $0.sv == sv }
            let methods = Array(Set(rs.map(\.methodLabel))).sorted()
            let orders = Array(Set(rs.map(\.orderKey))).sorted()
            var flips = 0, pairs = 0
            for o in orders {
                for i in 0..<methods.count {
                    for j in (i + 1)..<methods.count {
                        let a = rs.filter { $0.methodLabel == methods[i] }, b = rs.filter { $0.methodLabel == methods[j] }
                        let pooled = mean(a.map { $0.metrics["last"]!! }) - mean(b.map { $0.metrics["last"]!! })
                        let here = mean(a.filter { $0.orderKey == o }.map { $0.metrics["last"]!! })
                            - mean(b.filter { $0.orderKey == o }.map { $0.metrics["last"]!! })
                        pairs += 1
                        if here * pooled < 0 { flips += 1 }
                    }
                }
            }
            expected.append("Rank flips: \(flips) of \(pairs) ")
        }
        let shown = page.components(separatedBy: "Rank flips: ").dropFirst().map { "Rank flips: " + $0.prefix(while: { $0 != "(" }) }
        #expect(shown == expected)
        #expect(expected.contains { !$0.hasPrefix("Rank flips: 0 ") }, "the synthetic data should contain a flip: \(expected)")
    }

    /// regressions.xml, built in memory: one entry per regression between consecutive versions,
    /// none when nothing regressed.
    @Test func atomFeedHasOneEntryPerRegression() throws {
        for regress in [0.0, 0.05] {
            let db = try SyntheticResults.database(commits: ["aaaa1111", "bbbb2222"], regress: regress)
            let expected = VersionComparison.compare(try Store(path: db, mode: .readOnly).loadRuns().map(\.record), base: "aaaa1111", head: "bbbb2222")
                .filter(\.regression)
            let (out, written) = try build(db)
            #expect(written.contains(out + "/regressions.xml"))
            let (doc, error) = parse(out + "/regressions.xml")
            try #require(doc != nil, "\(error ?? "")")
            defer { xmlFreeDoc(doc) }
            let titles = xpathAtom(doc!, "//a:entry/a:title")
            #expect(titles == expected.map { "demo: \($0.method) \($0.metric.label) regressed from aaaa1111 to bbbb2222" })
            #expect(regress == 0 || !titles.isEmpty)
        }
    }

    func xpathAtom(_ doc: xmlDocPtr, _ expr: String) -> [String] {
        let ctx = xmlXPathNewContext(doc)!
        defer { xmlXPathFreeContext(ctx) }
        xmlXPathRegisterNs(ctx, "a", "http://www.w3.org/2005/Atom")
        guard let r = xmlXPathEvalExpression(expr, ctx) else { return [] }
        defer { xmlXPathFreeObject(r) }
        guard let set = r.pointee.nodesetval else { return [] }
        return (0..<Int(set.pointee.nodeNr)).map { i in
            let c = xmlNodeGetContent(set.pointee.nodeTab[i]!)
            defer { clv_xml_free(c) }
            return c.map { String(cString: $0) } ?? ""
        }
    }

    @Test func templateProblemsNameTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let db = try SyntheticResults.database()
        let builder = SiteBuilder(templateDirectory: dir.path, outputDirectory: dir.appendingPathComponent("out").path)
        #expect(throws: ReportError("\(dir.path)/page.xhtml: template not found")) { try builder.build(store: try Store(path: db)) }
        try "<html><body><main id=\"content\"></body></html>".write(to: dir.appendingPathComponent("page.xhtml"), atomically: true, encoding: .utf8)
        do { try builder.build(store: try Store(path: db)); Issue.record("built from a malformed template") } catch {
            #expect("\(error)".contains("page.xhtml: not well-formed XHTML"), "\(error)")
        }
    }

    @Test func compareFindsInjectedRegressionsOnly() throws {
        let same = try Store(path: try SyntheticResults.database(commits: ["aaaa1111", "bbbb2222"]), mode: .readOnly).loadRuns().map(\.record)
        let rows = VersionComparison.compare(same, base: "aaaa1111", head: "bbbb2222")
        #expect(!rows.isEmpty && rows.allSatisfy { !$0.regression })
        let worse = try Store(path: try SyntheticResults.database(commits: ["aaaa1111", "bbbb2222"], regress: 0.05), mode: .readOnly).loadRuns().map(\.record)
        let r2 = VersionComparison.compare(worse, base: "aaaa1111", head: "bbbb2222")
        #expect(r2.contains { $0.regression && $0.metric == .last })
        #expect(try VersionComparison.resolve("latest", among: VersionComparison.versions(worse)) == "bbbb2222")
        #expect(try VersionComparison.resolve("aaa", among: VersionComparison.versions(worse)) == "aaaa1111")
        #expect(throws: ReportError.self) { try VersionComparison.resolve("zzz", among: ["aaaa1111"]) }
    }
}
