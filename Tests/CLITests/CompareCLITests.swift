import Foundation
import Testing

/// `clvbench compare` as a CI job calls it: two code versions of the smoke suite.
@Suite(.serialized)
struct CompareCLITests {
    func python(_ db: String, _ sql: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", db, sql]
        try p.run()
        p.waitUntilExit()
    }

    @Test func exitsOneOnlyOnARegression() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("versions.sqlite").path
        for v in ["1111aaaa", "2222bbbb"] {
            let r = try CLI.run(["run", "benchmarks/smoke.yaml", "--db", db, "--quiet", "--no-report"], environment: ["CLVBENCH_CODE_VERSION": v])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let same = try CLI.run(["compare", "1111", "2222", "--db", db])
        #expect(same.status == 0, "\(same.stdout) \(same.stderr)")
        #expect(same.stdout.contains("insufficient") && !same.stdout.contains("REGRESSION"))
        let sameLoose = try CLI.run(["compare", "1111", "2222", "--db", db, "--min-pairs", "3"])
        #expect(sameLoose.status == 0 && sameLoose.stdout.contains("no significant change") && !sameLoose.stdout.contains("REGRESSION"))
        let md = try CLI.run(["compare", "previous", "latest", "--db", db, "--format", "markdown"])
        #expect(md.status == 0 && md.stdout.contains("| suite | method | metric |"))
        // Inject a regression into the head version's Last.
        try python(db, """
            UPDATE metric SET value = value - 0.1 WHERE name = 'last' AND run_id IN
              (SELECT r.id FROM run r JOIN code_version c ON c.id = r.code_version_id WHERE c.commit_hash = '2222bbbb')
            """)
        // The smoke suite has 3 cells per method: too few pairs to call anything by default.
        let few = try CLI.run(["compare", "1111", "2222", "--db", db])
        #expect(few.status == 0 && few.stdout.contains("insufficient") && !few.stdout.contains("REGRESSION"), "\(few.stdout)")
        #expect(few.stdout.contains("with fewer than 5 pairs are insufficient"), "\(few.stdout)")
        // Allowed 3 pairs, the constant drop survives Holm over 7 metrics (p = 2/2001, Holm p = 7 p).
        let worse = try CLI.run(["compare", "1111", "2222", "--db", db, "--min-pairs", "3"])
        #expect(worse.status == 1, "\(worse.stdout)")
        #expect(worse.stdout.contains("REGRESSION") && worse.stdout.contains("Holm correction over the 7 metrics"), "\(worse.stdout)")
        let json = try CLI.run(["compare", "1111", "2222", "--db", db, "--min-pairs", "3", "--format", "json"])
        #expect(json.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let rows = object?["rows"] as? [[String: Any]] ?? []
        let last = rows.filter { $0["metric"] as? String == "last" }
        #expect(object?["correction"] as? String == "holm" && object?["min_pairs"] as? Int == 3 && last.count == 2, "\(json.stdout)")
        for r in last {
            let p = r["p"] as? Double ?? -1, q = r["holm_p"] as? Double ?? -1
            #expect(r["pairs"] as? Int == 3 && r["regression"] as? Bool == true && abs(p - 2.0 / 2001) < 1e-12 && q < 0.05 && q >= p, "\(r)")
        }
        let minJSON = try CLI.run(["compare", "1111", "2222", "--db", db, "--format", "json"])
        let minRows = (try JSONSerialization.jsonObject(with: Data(minJSON.stdout.utf8)) as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(minJSON.status == 0 && !minRows.isEmpty && minRows.allSatisfy { $0["verdict"] as? String == "insufficient" && $0["holm_p"] is NSNull })
        let badMin = try CLI.run(["compare", "1111", "2222", "--db", db, "--min-pairs", "1"])
        #expect(badMin.status == 2 && badMin.stderr.contains("--min-pairs must be at least 2"))
        // A threshold above the injected drop applies to Last by name: no regression then.
        let lenient = try CLI.run(["compare", "1111", "2222", "--db", db, "--min-pairs", "3", "--threshold", "last=0.2"])
        #expect(lenient.status == 0 && !lenient.stdout.contains("REGRESSION"), "\(lenient.stdout)")
        // A misspelt metric is refused, not ignored.
        let typo = try CLI.run(["compare", "1111", "2222", "--db", db, "--threshold", "lats=0.2"])
        #expect(typo.status == 2 && typo.stderr.contains("unknown metric 'lats'") && typo.stderr.contains("last, avg"), "\(typo.stderr)")
        let bad = try CLI.run(["compare", "9999", "2222", "--db", db])
        #expect(bad.status == 2 && bad.stderr.contains("no code version starts with '9999'"))
        let report = try CLI.run(["report", "--db", db, "--out", dir.appendingPathComponent("site").path])
        #expect(report.status == 0)
        let feed = try String(contentsOf: dir.appendingPathComponent("site/regressions.xml"), encoding: .utf8)
        // The feed applies compare's default rules: 3 pairs are no regression (SiteTests checks a feed with 12).
        #expect(feed.contains("<feed") && !feed.contains("<entry>"), "\(feed)")
    }
}
