import Foundation
import Testing

/// The smoke suite as a 2-task Slurm array plus a merge job, on a one-node cluster started for
/// the test (Debian slurm-wlm and munge; `make test` installs them), against a local run.
@Suite(.serialized)
struct SlurmCLITests {
    static let cluster = CLI.packageRoot.appendingPathComponent("Tests/CLITests/Fixtures/slurm-cluster.sh").path

    func shell(_ args: [String], environment: [String: String] = [:]) throws -> CLIResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        // Files, not pipes: daemons started by the command may keep inherited descriptors open,
        // and a pipe reader would then wait for an end of file that never comes.
        let dir = try CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                         stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// JobState and ExitCode of every record of a job (one per array task).
    func states(_ job: String, _ env: [String: String]) throws -> [(state: String, exit: String)] {
        let r = try shell(["scontrol", "-o", "show", "job", job], environment: env)
        return r.stdout.split(separator: "\n").map { line in
            let fields = Dictionary(line.split(separator: " ").compactMap { f -> (String, String)? in
                let kv = f.split(separator: "=", maxSplits: 1)
                return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
            }, uniquingKeysWith: { a, _ in a })
            return (fields["JobState"] ?? "?", fields["ExitCode"] ?? "?")
        }
    }

    @Test func smokeSuiteAsAnArrayJobMatchesALocalRun() throws {
        let dir = try CLI.temporaryDirectory()
        let start = try shell([Self.cluster, "start", dir.appendingPathComponent("cluster").path])
        try #require(start.status == 0, "cluster did not start: \(start.stderr)")
        defer { _ = try? shell([Self.cluster, "stop", dir.appendingPathComponent("cluster").path]) }
        let env = ["SLURM_CONF": start.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]

        let out = dir.appendingPathComponent("slurm").path, merged = dir.appendingPathComponent("merged.sqlite").path
        // The partition and time limit pass through to sbatch, which accepts them on this cluster.
        let plan = try CLI.run(["plan", "benchmarks/smoke.yaml", "--slurm", "--shards", "2", "--cpus-per-task", "1",
                                "--out", out, "--db", merged, "--partition", "test", "--time", "30"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let array = try String(contentsOfFile: "\(out)/smoke-shards.sbatch", encoding: .utf8)
        #expect(array.contains("#SBATCH --partition=test\n#SBATCH --time=30\n"))
        let submit = try shell(["\(out)/smoke-submit.sh"], environment: env)
        try #require(submit.status == 0, "sbatch failed: \(submit.stderr)")
        let ids = submit.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        try #require(ids.count == 2)

        // Poll every record rather than trusting `sbatch --wait` (TECH-NOTES.md).
        let deadline = Date().addingTimeInterval(180)
        var final: [(state: String, exit: String)] = []
        while Date() < deadline {
            final = try states(ids[0], env) + (try states(ids[1], env))
            if final.count == 3 && final.allSatisfy({ !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING"].contains($0.state) }) { break }
            Thread.sleep(forTimeInterval: 0.25)
        }
        #expect(final.count == 3 && final.allSatisfy { $0.state == "COMPLETED" && $0.exit == "0:0" }, "jobs: \(final)")

        let local = dir.appendingPathComponent("local.sqlite").path
        #expect(try CLI.run(["run", "benchmarks/smoke.yaml", "--db", local, "--quiet"]).status == 0)
        let a = try CLI.run(["export", "--format", "jsonl", "--db", merged]), b = try CLI.run(["export", "--format", "jsonl", "--db", local])
        func strip(_ s: String) throws -> Set<String> {
            Set(try s.split(separator: "\n").map { line in
                var o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                o["run_id"] = nil
                return String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
            })
        }
        #expect(a.status == 0 && !a.stdout.isEmpty)
        #expect(try strip(a.stdout) == (try strip(b.stdout)))
    }
}
