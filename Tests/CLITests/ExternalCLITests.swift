import Foundation
import Testing

/// External methods: a suite mixing built-in methods with the numpy example, and every way a
/// process can break the protocol, each recorded as a failed run with a precise message.
@Suite(.serialized)
struct ExternalCLITests {
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/CLITests/Fixtures")

    func rows(_ db: String) throws -> [String: (status: String, message: String, log: String)] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", """
            import sqlite3, sys, json
            c = sqlite3.connect(sys.argv[1])
            print(json.dumps([list(r) for r in c.execute("SELECT method, status, coalesce(message, ''), coalesce(log, '') FROM run")]))
            """, db]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let d = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var result: [String: (String, String, String)] = [:]
        for r in try JSONSerialization.jsonObject(with: d) as! [[String]] { result[r[0]] = (r[1], r[2], r[3]) }
        return result
    }

    @Test func mixedSuiteRunsAndReportsBoth() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("mixed.sqlite").path, site = dir.appendingPathComponent("site").path
        let r = try CLI.run(["run", Self.fixtures.appendingPathComponent("external.yaml").path, "--db", db, "--site", site, "--quiet"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        let csv = try CLI.run(["export", "--db", db]).stdout
        let lines = csv.split(separator: "\n")
        #expect(lines.filter { $0.contains(",numpy-clip,1,") && $0.contains(",done,") }.count == 3, "\(csv)")
        #expect(lines.filter { $0.contains(",finetune,0,") && $0.contains(",done,") }.count == 3)
        let board = try String(contentsOfFile: site + "/leaderboard-external-test.html", encoding: .utf8)
        #expect(board.contains("numpy-clip</a><span class=\"tag\">external</span>"))
        #expect(board.contains(">finetune</a>"))
        let stored = try rows(db)
        #expect(stored["numpy-clip"]?.log.contains("trained env") == true)
        let index = try String(contentsOfFile: site + "/index.html", encoding: .utf8)
        #expect(index.contains("examples/external/numpy_clip.py"))  // command recorded in provenance
    }

    @Test func everyProtocolFailureIsRecordedPrecisely() throws {
        let dir = try CLI.temporaryDirectory()
        let script = Self.fixtures.appendingPathComponent("misbehave.py").path
        let modes = ["nonzero", "timeout", "badjson", "unknown", "oldprotocol", "missing", "misshaped", "nan", "accuracy"]
        var methods = "  - finetune\n  - label: notfound\n    external: {command: [no-such-program-clvbench], timeout_s: 10}\n"
        for m in modes {
            methods += "  - label: \(m)\n    external: {command: [python3, \(script), \(m), \(dir.path)/\(m).marker], timeout_s: \(m == "timeout" ? 6 : 20)}\n"
        }
        let suite = """
            name: failures
            world: {kind: procedural, trained: 2, held_out: 1, classes: 2, image_size: 8, train_samples: 16, evaluation_samples: 10}
            orders: [[env1, env2]]
            similarity: {sv: [0.5], sl: [0.5]}
            methods:
            \(methods)seeds: [0]
            model: {vision_hidden: [8], text_width: 8, text_hidden: [8], embedding: 8}
            training: {epochs: 1, batch_size: 8}
            pretraining: {samples: 32, epochs: 1, batch_size: 16}
            """
        let suitePath = dir.appendingPathComponent("failures.yaml")
        try suite.write(to: suitePath, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("f.sqlite").path
        let r = try CLI.run(["run", suitePath.path, "--db", db, "--quiet", "--no-report", "--jobs", "2"])
        #expect(r.status == 1, "failed runs make the exit status 1: \(r.stdout) \(r.stderr)")
        let stored = try rows(db)
        #expect(stored["finetune"]?.status == "done")
        let expected: [String: String] = [
            "notfound": "cannot start: 'no-such-program-clvbench' was not found",
            "nonzero": "exited with status 3 before sending 'ready'",
            "timeout": "exceeded its timeout of 6 s while waiting for 'result'; the process and its children were killed",
            "badjson": "output line 2 is not a JSON object: 'this is {not json'",
            "unknown": "output line 2: unexpected message type 'greetings' (expected 'result')",
            "oldprotocol": "speaks protocol 0; clvbench speaks 1",
            "missing": "stage 0, env1: image_embeddings file 'output-env1.npy' is missing",
            "misshaped": "has shape [9, 8]; expected (10, d) for 10 evaluation samples",
            "nan": "contains NaN or infinite values",
            "accuracy": "stage 0, env1: accuracy 1.5 is not a number in [0, 1]",
        ]
        for (mode, text) in expected {
            #expect(stored[mode]?.status == "failed", "\(mode): \(String(describing: stored[mode]))")
            #expect(stored[mode]?.message.contains(text) == true, "\(mode): \(stored[mode]?.message ?? "no run")")
        }
        #expect(stored["nonzero"]?.log.contains("something went wrong inside the method") == true)
        // Nothing partial: failed runs have no accuracy rows.
        let count = try CLI.run(["export", "--db", db, "--format", "jsonl"]).stdout.split(separator: "\n")
            .filter { $0.contains("\"status\":\"failed\"") && !$0.contains("\"accuracy\":[]") }.count
        #expect(count == 0)
        // Private directories are removed and the timed-out process's child was killed.
        for m in modes where m != "notfound" {
            let marker = dir.appendingPathComponent("\(m).marker")
            if let workdir = try? String(contentsOf: marker, encoding: .utf8) {
                #expect(!FileManager.default.fileExists(atPath: workdir), "\(m) left \(workdir)")
            }
        }
        let child = try String(contentsOf: dir.appendingPathComponent("timeout.marker.child"), encoding: .utf8)
        // Gone, or a zombie waiting for init to reap it: either way no longer running.
        let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
        let state = stat.split(separator: ")").last?.split(separator: " ").first.map(String.init) ?? "gone"
        #expect(state == "gone" || state == "Z", "the timed-out method's child \(child) is still running (state \(state))")
    }
}
