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
        #expect(same.stdout.contains("no significant change") && !same.stdout.contains("REGRESSION"))
        let md = try CLI.run(["compare", "previous", "latest", "--db", db, "--format", "markdown"])
        #expect(md.status == 0 && md.stdout.contains("| suite | method | metric |"))
        // Inject a regression into the head version's Last.
        try python(db, """
            UPDATE metric SET value = value - 0.1 WHERE name = 'last' AND run_id IN
              (SELECT r.id FROM run r JOIN code_version c ON c.id = r.code_version_id WHERE c.commit_hash = '2222bbbb')
            """)
        let worse = try CLI.run(["compare", "1111", "2222", "--db", db])
        #expect(worse.status == 1, "\(worse.stdout)")
        #expect(worse.stdout.contains("REGRESSION"))
        // A threshold above the injected drop applies to Last by name: no regression then.
        let lenient = try CLI.run(["compare", "1111", "2222", "--db", db, "--threshold", "last=0.2"])
        #expect(lenient.status == 0 && !lenient.stdout.contains("REGRESSION"), "\(lenient.stdout)")
        // A misspelt metric is refused, not ignored.
        let typo = try CLI.run(["compare", "1111", "2222", "--db", db, "--threshold", "lats=0.2"])
        #expect(typo.status == 2 && typo.stderr.contains("unknown metric 'lats'") && typo.stderr.contains("last, avg"), "\(typo.stderr)")
        let bad = try CLI.run(["compare", "9999", "2222", "--db", db])
        #expect(bad.status == 2 && bad.stderr.contains("no code version starts with '9999'"))
        let report = try CLI.run(["report", "--db", db, "--out", dir.appendingPathComponent("site").path])
        #expect(report.status == 0)
        let feed = try String(contentsOf: dir.appendingPathComponent("site/regressions.xml"), encoding: .utf8)
        #expect(feed.contains("<entry>") && feed.contains("Last regressed from 1111aaaa"))
    }
}
