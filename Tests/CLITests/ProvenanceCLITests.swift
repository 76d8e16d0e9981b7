import Foundation
import Testing

/// The method's own code version (docs/provenance.md): an external method read from its
/// repository, two commits, the built-in baseline beside it run once.
@Suite(.serialized)
struct ProvenanceCLITests {
    static func git(_ args: [String], in dir: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", dir.path, "-c", "user.name=t", "-c", "user.email=t@example.org"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let d = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "git \(args)")
        return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func suite(repository: String) -> String {
        let script = CLI.packageRoot.appendingPathComponent("examples/external/numpy_clip.py").path
        return """
            name: provenance
            world: {kind: procedural, trained: 2, held_out: 1, classes: 2, image_size: 8, train_samples: 16, evaluation_samples: 10}
            orders: [[env1, env2]]
            similarity: {sv: [0.5], sl: [0.5]}
            methods:
              - finetune
              - label: mine
                external: {command: [python3, \(script)], timeout_s: 120, parameters: {epochs: "1"}, repository: \(repository)}
            seeds: [0]
            model: {vision_hidden: [8], text_width: 8, text_hidden: [8], embedding: 8}
            training: {epochs: 1, batch_size: 8}
            pretraining: {samples: 32, epochs: 1, batch_size: 16}
            """
    }

    @Test func builtInsAreNotRetrainedWhenTheMethodMoves() throws {
        let dir = try CLI.temporaryDirectory()
        let repo = dir.appendingPathComponent("method")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        _ = try Self.git(["init", "-q"], in: repo)
        try "v1\n".write(to: repo.appendingPathComponent("m.py"), atomically: true, encoding: .utf8)
        _ = try Self.git(["add", "m.py"], in: repo)
        _ = try Self.git(["commit", "-q", "-m", "one"], in: repo)
        let first = try Self.git(["rev-parse", "HEAD"], in: repo)
        let suitePath = dir.appendingPathComponent("p.yaml")
        try Self.suite(repository: "method").write(to: suitePath, atomically: true, encoding: .utf8)  // relative to the suite
        let db = dir.appendingPathComponent("p.sqlite").path
        // clvbench's own version is fixed; the method's comes from its repository, not from it.
        let env = ["CLVBENCH_CODE_VERSION": "tool-1"]
        func run() throws -> [String: Any] {
            let r = try CLI.run(["run", suitePath.path, "--db", db, "--quiet", "--no-report", "--json"], environment: env)
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        }
        let one = try run()
        #expect(one["done"] as? Int == 2 && one["skipped"] as? Int == 0)
        // A second commit of the method: only its cell runs again.
        try "v2\n".write(to: repo.appendingPathComponent("m.py"), atomically: true, encoding: .utf8)
        _ = try Self.git(["commit", "-q", "-am", "two"], in: repo)
        let second = try Self.git(["rev-parse", "HEAD"], in: repo)
        let two = try run()
        #expect(two["done"] as? Int == 1 && two["skipped"] as? Int == 1, "\(two)")
        // An uncommitted edit is a third version; the same edit again is no new run.
        try "v3\n".write(to: repo.appendingPathComponent("m.py"), atomically: true, encoding: .utf8)
        #expect(try run()["done"] as? Int == 1)
        #expect(try run()["done"] as? Int == 0)
        let lines = try CLI.run(["export", "--db", db, "--format", "jsonl"]).stdout.split(separator: "\n")
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let versions = objects.filter { $0["method"] as? String == "mine" }.compactMap { $0["method_version"] as? String }
        #expect(versions.count == 3 && versions[0] == first && versions[1] == second)
        #expect(versions[2].hasPrefix(second + "+") && versions[2].hasSuffix("+dirty") && versions[2].count == 40 + 1 + 12 + 6)
        #expect(objects.allSatisfy { $0["commit"] as? String == "tool-1" })
        #expect(objects.filter { $0["method"] as? String == "finetune" }.allSatisfy { $0["method_version"] == nil })
        // compare follows the method's versions; previous/latest by git ancestry.
        let c = try CLI.run(["compare", first, second, "--db", db, "--method", "mine"])
        #expect(c.status == 0 || c.status == 1, "\(c.stderr)")
        #expect(c.stdout.hasPrefix("base \(first.prefix(12)), head \(second.prefix(12))"), "\(c.stdout)")
        #expect(c.stdout.contains("provenance  mine"), "\(c.stdout)")
        let latest = try CLI.run(["compare", "previous", "latest", "--db", db, "--method", "mine"])
        #expect(latest.stdout.hasPrefix("base \(second.prefix(12)), head \(second.prefix(12))+"), "\(latest.stdout) \(latest.stderr)")
    }
}
