import Foundation
import Testing
@testable import Harness

/// `plan --slurm --partition --gres --time --mem`: passed through as #SBATCH lines, checked first.
struct SlurmResourcesTests {
    static func script(_ r: SlurmResources) -> SlurmScript {
        var s = SlurmScript(suitePath: "/s.yaml", suiteName: "gpu", shards: 3, cpusPerTask: 8, executable: "/bin/clvbench",
                            workingDirectory: "/w", outputDirectory: "/o", database: "/o/db.sqlite")
        s.resources = r
        return s
    }

    static func directives(_ text: String) -> [String] { text.split(separator: "\n").filter { $0.hasPrefix("#SBATCH") }.map(String.init) }

    @Test func resourcesBecomeDirectivesOfTheArrayJob() {
        let s = Self.script(SlurmResources(partition: "gpu-a100", gres: "gpu:a100:2", time: "1-12:00:00", memory: "64G"))
        #expect(Self.directives(s.arrayScript) == [
            "#SBATCH --array=1-3", "#SBATCH --cpus-per-task=8", "#SBATCH --partition=gpu-a100", "#SBATCH --gres=gpu:a100:2",
            "#SBATCH --time=1-12:00:00", "#SBATCH --mem=64G",
        ])
        // The merge job runs in the same partition and asks for nothing else.
        #expect(Self.directives(s.mergeScript) == ["#SBATCH --partition=gpu-a100"])
        // Job names and log files are shell-quoted on the submit script's sbatch lines (issue 21 item 8).
        #expect(s.submitScript.contains("--job-name='clvbench-gpu' --output='/o/logs/gpu-%a.out'"))
        #expect(s.submitScript.contains("--job-name='clvbench-gpu-merge'") && s.submitScript.contains("--output='/o/logs/gpu-merge.out'"))
        // Without them the scripts are as before.
        let plain = Self.script(SlurmResources())
        #expect(Self.directives(plain.arrayScript).count == 2 && Self.directives(plain.mergeScript).isEmpty)
        #expect(plain.arrayScript.contains("#SBATCH --cpus-per-task=8\nset -euo pipefail\n"))
    }

    @Test func malformedValuesAreRefusedAndCannotAddLines() {
        #expect(SlurmResources(partition: "gpu", gres: "gpu:1", time: "90", memory: "500M").problem() == nil)
        for t in ["30", "10:00", "02:00:00", "2-0", "2-12:30", "2-12:30:00"] { #expect(SlurmResources(time: t).problem() == nil, "\(t)") }
        #expect(SlurmResources(partition: "gpu\n#SBATCH --uid=0").problem()?.hasPrefix("--partition 'gpu\n#SBATCH --uid=0' is not a partition name") == true)
        #expect(SlurmResources(gres: "gpu 1").problem()?.hasPrefix("--gres 'gpu 1' is not a generic resource list") == true)
        #expect(SlurmResources(time: "1h").problem()?.hasPrefix("--time '1h' is not a Slurm time") == true)
        #expect(SlurmResources(time: "12:00:00:00").problem() != nil)
        #expect(SlurmResources(memory: "16GB").problem()?.hasPrefix("--mem '16GB' is not a memory size") == true)
        #expect(SlurmResources(memory: "-1").problem() != nil)
    }
}
