import Foundation
import Testing

/// `clvbench report --code-version V` and the suite definition on the leaderboard (issue 19
/// item 4), end to end: the smoke suite run by two versions; the pinned site links exactly the
/// pinned version's runs; an unknown or ambiguous V exits 2 naming the versions and writes no site.
struct ReportCodeVersionCLITests {
    @Test func codeVersionPinsTheRunsAndABadOneWritesNothing() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("s.sqlite").path
        for v in ["v1", "v2"] {
            let r = try CLI.run(["run", "benchmarks/smoke.yaml", "--db", db, "--quiet", "--no-report"], environment: ["CLVBENCH_CODE_VERSION": v])
            #expect(r.status == 0, "\(r.stderr)")
        }
        // run_id and commit of every run, from the CSV export.
        let csv = try CLI.run(["export", "--db", db]).stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let commit = csv[0].firstIndex(of: "commit")!
        let ids = Dictionary(grouping: csv.dropFirst(), by: { String($0[commit]) }).mapValues { Set($0.map { "runs/\($0[0]).html" }) }
        #expect(ids["v1"]?.count == 6 && ids["v2"]?.count == 6)
        func linked(_ site: String) throws -> Set<String> {
            let page = try String(contentsOfFile: site + "/leaderboard-smoke.html", encoding: .utf8)
            let re = try NSRegularExpression(pattern: "href=\"(runs/[0-9]+\\.html)\"")
            return Set(re.matches(in: page, range: NSRange(page.startIndex..., in: page)).map { String(page[Range($0.range(at: 1), in: page)!]) })
        }
        for (spec, version) in [("v1", "v1"), ("previous", "v1"), ("latest", "v2")] {
            let site = dir.appendingPathComponent("site-\(spec)").path
            let r = try CLI.run(["report", "--db", db, "--out", site, "--code-version", spec])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(try linked(site) == ids[version], "\(spec)")
            let page = try String(contentsOfFile: site + "/leaderboard-smoke.html", encoding: .utf8)
            #expect(page.contains("Code version shown: <code>\(version)</code> (clvbench), pinned with report --code-version \(version)."), "\(spec)")
        }
        // Unpinned: the newest. The suite text is the file as it was run, with its grid read back.
        let site = dir.appendingPathComponent("site").path
        #expect(try CLI.run(["report", "--db", db, "--out", site]).status == 0)
        #expect(try linked(site) == ids["v2"])
        let page = try String(contentsOfFile: site + "/leaderboard-smoke.html", encoding: .utf8)
        let yaml = try String(contentsOf: CLI.packageRoot.appendingPathComponent("benchmarks/smoke.yaml"), encoding: .utf8)
        let escaped = yaml.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        #expect(page.contains("<pre class=\"suite-text\">\(escaped)</pre>"))
        #expect(page.contains("<tr><td>cells</td><td>6</td><td>6</td></tr>") && page.contains("<tr><td>orders</td><td>3</td><td>3</td></tr>"))
        for spec in ["v", "v3", "nope"] {
            let out = dir.appendingPathComponent("bad-\(spec)").path
            let r = try CLI.run(["report", "--db", db, "--out", out, "--code-version", spec])
            #expect(r.status == 2 && r.stderr.contains("versions: v1, v2"), "\(spec): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(spec)")
            let latex = try CLI.run(["export", "--db", db, "--format", "latex", "--code-version", spec])
            #expect(latex.status == 2 && latex.stdout.isEmpty && latex.stderr.contains("versions: v1, v2"), "\(spec): \(latex.stderr)")
        }
        // export --format latex --code-version is the pinned site's ranking tables.
        let pinnedSite = dir.appendingPathComponent("site-v1").path
        let tables = try FileManager.default.contentsOfDirectory(atPath: pinnedSite + "/tables").filter { $0.hasPrefix("leaderboard-smoke-") && $0.hasSuffix(".tex") }
            .sorted { Int($0.dropFirst(18).dropLast(4))! < Int($1.dropFirst(18).dropLast(4))! }
            .map { try String(contentsOfFile: pinnedSite + "/tables/" + $0, encoding: .utf8) }
            .filter { $0.hasPrefix("% clvbench: Leaderboard: smoke · All similarity settings") || $0.hasPrefix("% clvbench: Leaderboard: smoke · sv = ") }
        let latex = try CLI.run(["export", "--db", db, "--format", "latex", "--code-version", "v1"])
        #expect(latex.status == 0 && tables.count == 2 && latex.stdout == tables.joined(separator: "\n"), "\(latex.stderr)")
        #expect(try CLI.run(["export", "--db", db, "--format", "csv", "--code-version", "v1"]).status == 2)
    }
}
