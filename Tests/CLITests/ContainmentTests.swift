import Foundation
import Testing

/// What an external method can do to clvbench and its machine: exit before reading (SIGPIPE),
/// leave children behind (forked, double-forked with setsid, ignoring SIGTERM, holding stdout),
/// write NUL bytes to stderr; and what an interrupted run leaves. After every cell, whatever its
/// outcome, no descendant may survive and no private directory remain.
@Suite(.serialized)
struct ContainmentTests {
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/CLITests/Fixtures")

    func suite(_ methods: String, in dir: URL) throws -> String {
        let text = """
            name: containment
            world: {kind: procedural, trained: 1, held_out: 1, classes: 2, image_size: 8, train_samples: 8, evaluation_samples: 10}
            orders: [[env1]]
            similarity: {sv: [0.5], sl: [0.5]}
            methods:
            \(methods)
            seeds: [0]
            model: {vision_hidden: [8], text_width: 8, text_hidden: [8], embedding: 8}
            training: {epochs: 1, batch_size: 8}
            pretraining: {samples: 32, epochs: 1, batch_size: 16}
            """
        let path = dir.appendingPathComponent("suite.yaml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    /// method label -> (status, message, log), read with Python's sqlite3 (an independent reader).
    func rows(_ db: String) throws -> [String: [String]] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", """
            import sqlite3, sys, json
            c = sqlite3.connect(sys.argv[1])
            print(json.dumps({r[0]: list(r[1:]) for r in c.execute("SELECT method, status, coalesce(message, ''), coalesce(log, '') FROM run")}))
            """, db]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let d = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return try JSONSerialization.jsonObject(with: d) as? [String: [String]] ?? [:]
    }

    /// Running (not gone and not a zombie).
    func running(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    /// The marker escape.py wrote: its run directory and the pids of its two lingering descendants.
    func marker(_ path: URL) -> (dir: String, pids: [Int32])? {
        guard let text = try? String(contentsOf: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.count == 3 else { return nil }
        return (lines[0], lines.dropFirst().compactMap { Int32($0) })
    }

    func expectContained(_ m: URL, _ what: String) {
        guard let (dir, pids) = marker(m) else { Issue.record("\(what): the method never wrote its marker"); return }
        #expect(pids.count == 2)
        for pid in pids { #expect(!running(pid), "\(what): descendant \(pid) survived the cell") }
        #expect(!FileManager.default.fileExists(atPath: dir), "\(what): private directory \(dir) remains")
        for pid in pids where running(pid) { kill(pid, SIGKILL) }  // do not leave them to the next test
    }

    @Test func noDescendantSurvivesDoneFailedOrTimedOutCells() throws {
        let dir = try CLI.temporaryDirectory()
        let script = Self.fixtures.appendingPathComponent("escape.py").path
        var methods = ""
        for mode in ["done", "failed", "timeout"] {
            methods += "  - label: \(mode)\n    external: {command: [python3, \(script), \(mode), \(dir.path)/\(mode).marker], timeout_s: \(mode == "timeout" ? 3 : 60)}\n"
        }
        let db = dir.appendingPathComponent("c.sqlite").path
        let r = try CLI.run(["run", try suite(methods, in: dir), "--db", db, "--no-report", "--jobs", "2"])
        #expect(r.status == 1, "the failed and timed-out cells make the status 1: \(r.stderr)")
        let stored = try rows(db)
        #expect(stored["done"]?[0] == "done", "\(stored)")
        #expect(stored["failed"]?[1].contains("exited with status 3") == true, "\(stored)")
        #expect(stored["timeout"]?[1].contains("exceeded its timeout of 3 s") == true, "\(stored)")
        for mode in ["done", "failed", "timeout"] { expectContained(dir.appendingPathComponent("\(mode).marker"), mode) }
    }

    /// SIGTERM and SIGINT while an external method runs: its processes are killed, its private
    /// directory removed, the runs already stored kept, the user told how to resume; 143 / 130.
    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func anInterruptedRunCleansUpAndSaysHowToResume(_ signal: Int32, _ status: Int32) throws {
        let dir = try CLI.temporaryDirectory()
        let script = Self.fixtures.appendingPathComponent("escape.py").path
        let m = dir.appendingPathComponent("interrupt.marker")
        let methods = "  - finetune\n  - label: hang\n    external: {command: [python3, \(script), interrupt, \(m.path)], timeout_s: 600}"
        let db = dir.appendingPathComponent("i.sqlite").path
        let p = Process()
        p.executableURL = CLI.executable
        p.arguments = ["run", try suite(methods, in: dir), "--db", db, "--no-report", "--jobs", "1"]
        p.currentDirectoryURL = CLI.packageRoot
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // Wait (bounded) for the method to have started its descendants.
        for _ in 0..<1200 where marker(m) == nil && p.isRunning { usleep(50_000) }
        #expect(marker(m) != nil, "the external method did not start")
        kill(p.processIdentifier, signal)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationReason == .exit && p.terminationStatus == status, "status \(p.terminationStatus): \(text)")
        #expect(text.contains("runs stored in \(db) by this command; run the same command again to resume"), "\(text)")
        expectContained(m, "interrupted")
        // finetune runs first (--jobs 1, costliest group first is the built-in) or not; whatever
        // is stored is complete and the rerun resumes rather than repeating it.
        let stored = try rows(db)
        #expect(stored["hang"] == nil, "the interrupted cell is not stored: \(stored)")
    }

    /// An external method that exits before reading hello (SIGPIPE killed clvbench with 141 and
    /// every run was lost), then a built-in method: both runs are stored.
    @Test func aMethodThatExitsAtOnceIsAFailedRunNotADeadSuite() throws {
        let dir = try CLI.temporaryDirectory()
        let methods = "  - label: gone\n    external: {command: [sh, -c, 'cd /no/such/dir && python3 m.py'], timeout_s: 30}\n  - finetune"
        let db = dir.appendingPathComponent("p.sqlite").path
        let path = try suite(methods, in: dir)
        let r = try CLI.run(["run", path, "--db", db, "--no-report", "--jobs", "1"], environment: ["TMPDIR": dir.path])
        #expect(r.reason == .exit && r.status == 1, "status \(r.status): \(r.stderr)")
        let stored = try rows(db)
        #expect(stored["gone"]?[0] == "failed" && stored["gone"]?[1].contains("exited with status 2 before") == true, "\(stored)")
        #expect(stored["finetune"]?[0] == "done", "\(stored)")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("clvbench-external") }
        #expect(left.isEmpty, "private directories left: \(left)")
    }

    /// `clvbench run SUITE 2>&1 | head -1`: the reader of the output goes away after one line;
    /// every run is still stored.
    @Test func aClosedOutputPipeDoesNotStopTheRun() throws {
        let dir = try CLI.temporaryDirectory()
        let methods = "  - finetune\n  - name: replay\n    buffer: 10\n  - name: ewc\n    lambda: 1"
        let db = dir.appendingPathComponent("h.sqlite").path
        let path = try suite(methods, in: dir)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "'\(CLI.executable.path)' run '\(path)' --db '\(db)' --no-report --jobs 1 2>&1 | head -1"]
        p.currentDirectoryURL = CLI.packageRoot
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let stored = try rows(db)
        #expect(Set(stored.keys) == ["finetune", "replay(buffer=10)", "ewc(lambda=1)"], "\(stored)")
        #expect(stored.values.allSatisfy { $0[0] == "done" }, "\(stored)")
    }

    /// NUL bytes in an external method's stderr: the log is stored whole, the NUL written as \u{0}.
    @Test func stderrIsStoredWholeWithNulEscaped() throws {
        let dir = try CLI.temporaryDirectory()
        let methods = "  - label: nul\n    external: {command: [sh, -c, 'head -c 1 >/dev/null; printf \"before\\\\000after\\\\n\" >&2; exit 3'], timeout_s: 30}"
        let db = dir.appendingPathComponent("n.sqlite").path
        let r = try CLI.run(["run", try suite(methods, in: dir), "--db", db, "--no-report"])
        #expect(r.status == 1)
        let log = try rows(db)["nul"]?[2] ?? ""
        #expect(log.contains("before\\u{0}after"), "log: \(log.debugDescription)")
    }
}
