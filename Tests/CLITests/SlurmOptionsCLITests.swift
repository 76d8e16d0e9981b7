import Foundation
import Testing

/// `plan --slurm` resource options from the command line: written, or refused with exit 2.
struct SlurmOptionsCLITests {
    @Test func gpuOptionsAreWrittenAndBadOnesRefused() throws {
        let dir = try CLI.temporaryDirectory()
        let out = dir.appendingPathComponent("slurm").path
        let ok = try CLI.run(["plan", "benchmarks/smoke.yaml", "--slurm", "--out", out, "--partition", "gpu", "--gres", "gpu:1",
                              "--time", "04:00:00", "--mem", "32G", "--cpus-per-task", "6"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let array = try String(contentsOfFile: "\(out)/smoke-shards.sbatch", encoding: .utf8)
        #expect(array.contains("#SBATCH --cpus-per-task=6\n"))
        #expect(array.contains("#SBATCH --partition=gpu\n#SBATCH --gres=gpu:1\n#SBATCH --time=04:00:00\n#SBATCH --mem=32G\nset -euo pipefail\n"))
        // One line per array task (4 by default): the smoke suite's 2 groups of 9 stages.
        let shardLines = ok.stdout.split(separator: "\n").filter { $0.hasPrefix("shard ") }
        #expect(shardLines.count == 4 && shardLines[0].hasPrefix("shard 1/4: 1 groups, 9 stages, about ") && shardLines[0].hasSuffix(" on 6 CPUs at the reference rates"), "\(ok.stdout)")
        #expect(shardLines[1].hasPrefix("shard 2/4: 1 groups, 9 stages") && shardLines[3].hasPrefix("shard 4/4: 0 groups, 0 stages, about 0 s"))
        let merge = try String(contentsOfFile: "\(out)/smoke-merge.sbatch", encoding: .utf8)
        #expect(merge.contains("#SBATCH --partition=gpu\n") && !merge.contains("--gres"))

        let other = dir.appendingPathComponent("other").path
        let bad = try CLI.run(["plan", "benchmarks/smoke.yaml", "--slurm", "--out", other, "--time", "4 hours"])
        #expect(bad.status == 2 && bad.stderr.contains("--time '4 hours' is not a Slurm time"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: other))
        let unused = try CLI.run(["plan", "benchmarks/smoke.yaml", "--gres", "gpu:1"])
        #expect(unused.status == 2 && unused.stderr.contains("need --slurm"), "\(unused.stderr)")
        for option in [["--cpus-per-task", "4"], ["--shards", "3"]] {
            let ignored = try CLI.run(["plan", "benchmarks/smoke.yaml"] + option)
            #expect(ignored.status == 2 && ignored.stderr.contains("need --slurm"), "\(option): \(ignored.stderr)")
        }
    }
}
