import Foundation
import Testing

/// `clvbench import` as a user runs it: exit statuses, the pages, compare between two imported versions.
@Suite(.serialized)
struct ImportCLITests {
    static func example(_ name: String) -> String { CLI.packageRoot.appendingPathComponent("examples/import/\(name)").path }

    static func pythonSHA256(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())", path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let d = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func importedRunsAppearOnThePagesAndInCompare() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("i.sqlite").path, site = dir.appendingPathComponent("site").path
        // A bad file beside a good one: exit 2, file:line, no database written.
        let bad = dir.appendingPathComponent("bad.csv").path
        try "a,b\n0.5,0.6\n0.5\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try CLI.run(["import", Self.example("coleclip-style.csv"), bad, "--suite", "byo-demo", "--method", "x", "--held-out", "1", "--db", db])
        #expect(refused.status == 2 && refused.stderr.contains("\(bad):3: 1 fields, expected 2") && refused.stderr.contains("nothing was imported"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db))

        let one = try CLI.run(["import", Self.example("runs.jsonl"), "--suite", "ignored", "--method", "ignored", "--db", db, "--json"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stderr.contains("runs.jsonl:1: forgetting: the file says 11.79, its matrix gives 11.9900 (difference +0.2000)"), "\(one.stderr)")
        let outcome = try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any]
        #expect(outcome?["inserted"] as? Int == 3 && (outcome?["disagreements"] as? [Any])?.count == 1)
        // The same file again stores nothing new.
        let twice = try CLI.run(["import", Self.example("runs.jsonl"), "--suite", "s", "--method", "m", "--db", db])
        #expect(twice.stdout.contains("0 run(s) imported, 3 already stored"), "\(twice.stdout)")
        // A second version of the method: every diagonal 5 points lower.
        let text = try String(contentsOfFile: Self.example("runs.jsonl"), encoding: .utf8)
        var lines: [String] = []
        for line in text.split(separator: "\n") {
            var o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            o["code_version"] = "v1.1"
            var m = o["matrix"] as! [[Double]]
            for i in 0..<3 { m[i][i] -= 5 }
            o["matrix"] = m
            for k in ["last", "transfer", "forgetting"] { o.removeValue(forKey: k) }
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
        }
        let second = dir.appendingPathComponent("v11.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: second, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["import", second, "--suite", "s", "--method", "m", "--db", db]).status == 0)
        // The example has 3 runs, so 3 matched pairs: below compare's default minimum of 5 every
        // row is "insufficient" (exit 0); asked to test 3 pairs, the constant drop is a regression.
        let few = try CLI.run(["compare", "v1.0", "v1.1", "--db", db, "--method", "my-clip"])
        #expect(few.status == 0 && few.stdout.contains("insufficient") && !few.stdout.contains("REGRESSION"), "\(few.stdout)")
        let c = try CLI.run(["compare", "v1.0", "v1.1", "--db", db, "--method", "my-clip", "--min-pairs", "3"])
        #expect(c.stdout.hasPrefix("base v1.0, head v1.1"), "\(c.stdout) \(c.stderr)")
        // LA (the diagonal's mean) drops by exactly 5 points in every pair: a regression, exit 1.
        #expect(c.status == 1)
        #expect(c.stdout.split(separator: "\n").contains { $0.hasPrefix("byo-demo  my-clip  LA") && $0.contains("-0.05 [-0.05, -0.05]") && $0.contains("REGRESSION") }, "\(c.stdout)")

        #expect(try CLI.run(["report", "--db", db, "--out", site]).status == 0)
        let board = try String(contentsOfFile: site + "/leaderboard-byo-demo.html", encoding: .utf8)
        #expect(board.contains("my-clip</a><span class=\"tag\">imported</span>"))
        let sha = try Self.pythonSHA256(Self.example("runs.jsonl"))
        let page = try String(contentsOfFile: site + "/runs/1.html", encoding: .utf8)
        #expect(page.contains("\(Self.example("runs.jsonl")) (sha256 \(sha))") && page.contains("v1.0"))
        let history = try String(contentsOfFile: site + "/history.html", encoding: .utf8)
        #expect(history.contains("v1.0") && history.contains("v1.1"))
    }
}
