import Foundation

/// Writes a Slurm array job that runs a suite's shards, and a merge job that depends on it.
public struct SlurmScript {
    public var suitePath: String
    public var suiteName: String
    public var shards: Int
    public var cpusPerTask: Int
    /// Absolute paths: the scripts run on compute nodes from any directory.
    public var executable: String
    public var workingDirectory: String
    public var outputDirectory: String
    public var database: String
    /// Partition, GPUs, time and memory asked for (checked by `SlurmResources.problem()`).
    public var resources = SlurmResources()

    public init(suitePath: String, suiteName: String, shards: Int, cpusPerTask: Int, executable: String,
                workingDirectory: String, outputDirectory: String, database: String) {
        self.suitePath = suitePath
        self.suiteName = suiteName
        self.shards = shards
        self.cpusPerTask = cpusPerTask
        self.executable = executable
        self.workingDirectory = workingDirectory
        self.outputDirectory = outputDirectory
        self.database = database
    }

    func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    var shardDatabase: String { "\(outputDirectory)/shards/\(suiteName)-${SLURM_ARRAY_TASK_ID}.sqlite" }

    public var arrayScript: String {
        """
        #!/bin/bash
        # Runs shard i of \(shards) of suite \(suiteName); written by `clvbench plan --slurm`.
        #SBATCH --job-name=clvbench-\(suiteName)
        #SBATCH --array=1-\(shards)
        #SBATCH --cpus-per-task=\(cpusPerTask)
        #SBATCH --output=\(outputDirectory)/logs/\(suiteName)-%a.out
        \(resources.lines(forMerge: false))set -euo pipefail
        cd \(quoted(workingDirectory))
        exec \(quoted(executable)) run \(quoted(suitePath)) --shard "${SLURM_ARRAY_TASK_ID}/\(shards)" \\
          --db "\(shardDatabase)" --jobs "${SLURM_CPUS_PER_TASK:-1}" --quiet --no-report

        """
    }

    public var mergeScript: String {
        let sources = (1...shards).map { quoted("\(outputDirectory)/shards/\(suiteName)-\($0).sqlite") }.joined(separator: " ")
        return """
            #!/bin/bash
            # Merges the \(shards) shard databases of suite \(suiteName); runs after the array job succeeds.
            #SBATCH --job-name=clvbench-\(suiteName)-merge
            #SBATCH --output=\(outputDirectory)/logs/\(suiteName)-merge.out
            \(resources.lines(forMerge: true))set -euo pipefail
            cd \(quoted(workingDirectory))
            exec \(quoted(executable)) merge \(sources) --into \(quoted(database))

            """
    }

    public var submitScript: String {
        """
        #!/bin/bash
        # Submits the array job and the merge job that waits for it; prints both job ids.
        set -euo pipefail
        array=$(sbatch --parsable \(quoted("\(outputDirectory)/\(suiteName)-shards.sbatch")))
        array=${array%%;*}
        merge=$(sbatch --parsable --dependency="afterok:${array}" \(quoted("\(outputDirectory)/\(suiteName)-merge.sbatch")))
        echo "${array} ${merge%%;*}"

        """
    }

    /// Writes the three scripts (and the logs and shards directories); returns their paths.
    public func write() throws -> [String] {
        let fm = FileManager.default
        for d in [outputDirectory, "\(outputDirectory)/logs", "\(outputDirectory)/shards"] {
            try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
        var paths: [String] = []
        for (name, text) in [("\(suiteName)-shards.sbatch", arrayScript), ("\(suiteName)-merge.sbatch", mergeScript),
                             ("\(suiteName)-submit.sh", submitScript)] {
            let path = "\(outputDirectory)/\(name)"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            paths.append(path)
        }
        return paths
    }
}
