import Foundation
import Testing

/// End-to-end: `clvbench run` and the store commands, as a user would call them.
@Suite(.serialized)
struct RunCLITests {
    static let slow = CLI.packageRoot.appendingPathComponent("Tests/CLITests/Fixtures/slow.yaml").path

    /// Results keyed by cell, from `clvbench export --format jsonl`, without ids and timings.
    func results(_ db: String) throws -> [String: String] {
        let r = try CLI.run(["export", "--format", "jsonl", "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        var out: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let key = "\(obj["method"]!)|\(obj["seed"]!)|\(obj["sv"]!)|\(obj["sl"]!)|\((obj["order"] as! [String]).joined(separator: ">"))"
            #expect(out[key] == nil, "duplicate run \(key)")
            let value = try JSONSerialization.data(withJSONObject: ["accuracy": obj["accuracy"]!, "metrics": obj["metrics"]!,
                                                                    "status": obj["status"]!, "contributions": obj["contributions"]!],
                                                   options: [.sortedKeys])
            out[key] = String(decoding: value, as: UTF8.self)
        }
        return out
    }

    func sqlite(_ db: String, _ sql: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])", db, sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let d = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func smokeSuiteRunsAndResumes() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("r.sqlite").path
        let first = try CLI.run(["run", "benchmarks/smoke.yaml", "--db", db, "--json", "--quiet"])
        #expect(first.status == 0, "\(first.stderr)")
        let s1 = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as! [String: Any]
        #expect(s1["done"] as? Int == 6 && s1["planned"] as? Int == 6)
        let again = try CLI.run(["run", "benchmarks/smoke.yaml", "--db", db, "--json", "--quiet"])
        let s2 = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [String: Any]
        #expect(s2["done"] as? Int == 0 && s2["skipped"] as? Int == 6)
        let forced = try CLI.run(["run", "benchmarks/smoke.yaml", "--db", db, "--json", "--quiet", "--force"])
        let s3 = try JSONSerialization.jsonObject(with: Data(forced.stdout.utf8)) as! [String: Any]
        #expect(s3["done"] as? Int == 6)
        #expect(try sqlite(db, "SELECT count(*) FROM run") == "6")
        let csv = try CLI.run(["export", "--db", db])
        #expect(csv.stdout.split(separator: "\n").count == 7 && csv.stdout.hasPrefix("run_id,suite,model,protocol,method"))
        let list = try CLI.run(["list", "methods", "--db", db])
        #expect(list.stdout.contains("replay(buffer=32)") && list.stdout.contains("finetune"))
    }

    @Test func resultsDoNotDependOnJobs() throws {
        let dir = try CLI.temporaryDirectory()
        let a = dir.appendingPathComponent("a.sqlite").path, b = dir.appendingPathComponent("b.sqlite").path
        #expect(try CLI.run(["run", Self.slow, "--db", a, "--jobs", "1", "--quiet"]).status == 0)
        #expect(try CLI.run(["run", Self.slow, "--db", b, "--jobs", "2", "--quiet"]).status == 0)
        let ra = try results(a)
        #expect(ra.count == 18)
        #expect(ra == (try results(b)))
    }

    @Test func killedRunResumesToTheSameResults() throws {
        let dir = try CLI.temporaryDirectory()
        let reference = dir.appendingPathComponent("ref.sqlite").path, db = dir.appendingPathComponent("killed.sqlite").path
        #expect(try CLI.run(["run", Self.slow, "--db", reference, "--jobs", "1", "--quiet"]).status == 0)
        let p = Process()
        p.executableURL = CLI.executable
        p.arguments = ["run", Self.slow, "--db", db, "--jobs", "1", "--quiet", "--no-report"]
        p.currentDirectoryURL = CLI.packageRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until some runs are stored, then kill -9 mid-run.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: db), let n = Int(try sqlite(db, "SELECT count(*) FROM run")), n >= 3 { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let stored = Int(try sqlite(db, "SELECT count(*) FROM run")) ?? -1
        #expect(stored >= 3 && stored < 18, "killed after \(stored) runs")
        #expect(try sqlite(db, "PRAGMA integrity_check") == "ok")
        // No partial run: every stored run has its whole accuracy matrix (4 stages x 4 columns).
        #expect(try sqlite(db, "SELECT count(*) FROM run r WHERE (SELECT count(*) FROM accuracy a WHERE a.run_id = r.id) != 16") == "0")
        let resumed = try CLI.run(["run", Self.slow, "--db", db, "--jobs", "1", "--quiet", "--json"])
        #expect(resumed.status == 0)
        #expect(try results(db) == (try results(reference)))
        #expect(try sqlite(db, "PRAGMA integrity_check") == "ok")
    }

    @Test func concurrentRunsShareOneDatabase() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("shared.sqlite").path
        let procs = (0..<2).map { _ in Process() }
        var logs: [URL] = []
        for (i, p) in procs.enumerated() {
            p.executableURL = CLI.executable
            p.arguments = ["run", Self.slow, "--db", db, "--jobs", "1", "--quiet", "--no-report"]
            p.currentDirectoryURL = CLI.packageRoot
            let log = dir.appendingPathComponent("stderr\(i).txt")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            logs.append(log)
            p.standardError = try FileHandle(forWritingTo: log)
            p.standardOutput = FileHandle.nullDevice
            try p.run()
        }
        for p in procs { p.waitUntilExit() }
        let errors = try logs.map { try String(contentsOf: $0, encoding: .utf8) }.joined(separator: " | ")
        #expect(procs.allSatisfy { $0.terminationStatus == 0 }, "stderr: \(errors)")
        #expect(try sqlite(db, "SELECT count(*) FROM run") == "18")
        #expect(try sqlite(db, "SELECT count(DISTINCT cell_hash) FROM run") == "18")
        #expect(try sqlite(db, "PRAGMA integrity_check") == "ok")
    }

    @Test func shardsMergeIntoTheSingleRun() throws {
        let dir = try CLI.temporaryDirectory()
        let single = dir.appendingPathComponent("single.sqlite").path
        let a = dir.appendingPathComponent("a.sqlite").path, b = dir.appendingPathComponent("b.sqlite").path
        let merged = dir.appendingPathComponent("merged.sqlite").path
        #expect(try CLI.run(["run", Self.slow, "--db", single, "--quiet"]).status == 0)
        #expect(try CLI.run(["run", Self.slow, "--db", a, "--shard", "1/2", "--quiet"]).status == 0)
        #expect(try CLI.run(["run", Self.slow, "--db", b, "--shard", "2/2", "--quiet"]).status == 0)
        let na = Int(try sqlite(a, "SELECT count(*) FROM run"))!, nb = Int(try sqlite(b, "SELECT count(*) FROM run"))!
        #expect(na + nb == 18 && na > 0 && nb > 0)
        let m = try CLI.run(["merge", a, b, "--into", merged])
        #expect(m.status == 0 && m.stdout.contains("18 runs added"), "\(m.stdout) \(m.stderr)")
        let again = try CLI.run(["merge", a, b, "--into", merged])
        #expect(again.stdout.contains("0 runs added, 18 already present"))
        #expect(try results(merged) == (try results(single)))
        let bad = try CLI.run(["run", Self.slow, "--shard", "3/2"])
        #expect(bad.status == 2)
    }

    @Test func badInputsAreRefusedClearly() throws {
        let dir = try CLI.temporaryDirectory()
        let suite = dir.appendingPathComponent("bad.yaml")
        try "name: x\nworld: {kind: procedural}\norders: latin\nsimilarity: {sv: [0.5], sl: [0.5]}\nmethods: [finetune]\nseeds: [0]\nsead: 1\n"
            .write(to: suite, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("never.sqlite").path
        let r = try CLI.run(["run", suite.path, "--db", db])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.yaml:7:1: sead: unknown key; did you mean 'seed'?"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db))
        let corrupt = dir.appendingPathComponent("corrupt.sqlite")
        let garbage = Data((0..<4096).map { UInt8($0 % 251) })
        try garbage.write(to: corrupt)
        let c = try CLI.run(["run", "benchmarks/smoke.yaml", "--db", corrupt.path])
        #expect(c.status == 1 && c.stderr.contains("not a clvbench database"), "\(c.stderr)")
        #expect(try Data(contentsOf: corrupt) == garbage)
    }
}
