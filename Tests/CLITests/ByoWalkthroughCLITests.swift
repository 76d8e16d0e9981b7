import Foundation
import Testing

/// examples/byo/walkthrough.sh as CI runs it: a method repository's two commits and an
/// uncommitted edit, the baseline trained once, an imported matrix, compare between the commits.
struct ByoWalkthroughCLITests {
    @Test func walkthroughRecordsThreeMethodVersionsAndOneBaseline() throws {
        let dir = try CLI.temporaryDirectory()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [CLI.packageRoot.appendingPathComponent("examples/byo/walkthrough.sh").path, dir.path]
        var env = ProcessInfo.processInfo.environment
        env["CLVBENCH"] = CLI.executable.path
        env["CLVBENCH_CODE_VERSION"] = "tool-1"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
        // Runs: 2 finetune (once), 2 per method version, 1 imported.
        #expect(text.contains("byo: 4 runs done, 0 diverged, 0 failed, 0 already stored"), "\(text)")
        #expect(text.components(separatedBy: "byo: 2 runs done, 0 diverged, 0 failed, 2 already stored").count == 3, "\(text)")
        let db = dir.appendingPathComponent("byo.sqlite").path
        let lines = try CLI.run(["export", "--db", db, "--format", "jsonl"]).stdout.split(separator: "\n")
        let runs = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let versions = runs.filter { $0["method"] as? String == "my-method" }.compactMap { $0["method_version"] as? String }
        #expect(versions.count == 6 && Set(versions).count == 3, "\(versions)")
        let distinct = Array(Set(versions)).sorted { a, b in versions.firstIndex(of: a)! < versions.firstIndex(of: b)! }
        #expect(distinct.count == 3 && distinct[2].hasPrefix(distinct[1] + "+") && distinct[2].hasSuffix("+dirty"))
        #expect(runs.filter { $0["method"] as? String == "finetune" }.count == 2)
        #expect(runs.filter { $0["method"] as? String == "paper-baseline" && $0["imported_sha256"] != nil }.count == 1)
        #expect(text.contains("base \(distinct[0].prefix(12)), head \(distinct[1].prefix(12))"))
        let history = try String(contentsOfFile: dir.appendingPathComponent("site/history.html").path, encoding: .utf8)
        for v in distinct { #expect(history.contains(String(v.prefix(10))), "\(v)") }
        #expect(history.contains(String(distinct[2].prefix(10)) + String(distinct[2].dropFirst(40))))
    }
}
