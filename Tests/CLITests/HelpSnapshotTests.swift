import Foundation
import Testing

/// `--help` of every command against a stored copy (Tests/CLITests/Fixtures/help), as
/// swift-argument-parser's own examples do: a changed option, default or list of values shows
/// in review. After an intended change: CLVBENCH_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshot
struct HelpSnapshotTests {
    static let commands = ["", "doctor", "metrics", "contributions", "run", "report", "compare", "plan", "merge", "export", "list",
                           "environments", "cell", "bench", "orders"]
    static let directory = CLI.packageRoot.appendingPathComponent("Tests/CLITests/Fixtures/help")

    @Test(arguments: commands) func helpMatchesItsSnapshot(command: String) throws {
        let r = try CLI.run((command.isEmpty ? [] : [command]) + ["--help"], environment: ["COLUMNS": "100"])
        #expect(r.status == 0, "\(r.stderr)")
        let file = Self.directory.appendingPathComponent((command.isEmpty ? "clvbench" : command) + ".txt")
        if ProcessInfo.processInfo.environment["CLVBENCH_UPDATE_SNAPSHOTS"] == "1" {
            try r.stdout.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let stored = try String(contentsOf: file, encoding: .utf8)
        #expect(r.stdout == stored, "clvbench \(command) --help changed; if intended: CLVBENCH_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshot")
    }

    /// Typed options list their values in the help (issue 13 item 5).
    @Test func typedOptionsListTheirValues() throws {
        for (command, values) in [("export", "(values: csv, jsonl, latex; default: csv)"), ("list", "(values: suites, versions, methods,"),
                                  ("compare", "(values: text,"), ("environments", "(values: train, evaluation;")] {
            let r = try CLI.run([command, "--help"], environment: ["COLUMNS": "100"])
            #expect(r.stdout.contains(values), "\(command): \(r.stdout)")
        }
    }
}
