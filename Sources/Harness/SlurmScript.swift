import Foundation
import ResultStore

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

    /// A value for the shell in single quotes (a `'` inside becomes `'\''`): nothing in it is
    /// expanded, so a path such as `DIR/slurm$(touch PWNED)` stays a path.
    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
    func quoted(_ s: String) -> String { Self.quoted(s) }

    /// Values that cannot be carried: a newline would end a shell line or an `#SBATCH`
    /// directive; a suite name becomes part of file names.
    public func check() throws {
        for (what, v) in [("suite path", suitePath), ("executable", executable), ("working directory", workingDirectory),
                          ("--out", outputDirectory), ("--db", database), ("suite name", suiteName)]
            where v.contains(where: { $0.isNewline || $0 == "\0" }) {
            throw SlurmScriptError("\(what) '\(v.debugDescription.dropFirst().dropLast())' holds a line break; Slurm scripts cannot carry it, rename or move it")
        }
        guard !suiteName.contains("/"), !suiteName.hasPrefix("."), suiteName.utf8.count <= 200 else {
            throw SlurmScriptError("suite name '\(suiteName.prefix(40))': used in the scripts' file names, so it must not contain '/', "
                + "start with '.' or exceed 200 bytes")
        }
    }

    var shardPrefix: String { "\(outputDirectory)/shards/\(suiteName)-" }
    var logPrefix: String { "\(outputDirectory)/logs/\(suiteName)-" }

    public var arrayScript: String {
        """
        #!/bin/bash
        # Runs shard i of \(shards) of suite \(oneLine(suiteName)); written by `clvbench plan --slurm`.
        # Submit it with the -submit.sh script beside it, which names the job and its log files.
        #SBATCH --array=1-\(shards)
        #SBATCH --cpus-per-task=\(cpusPerTask)
        \(resources.lines(forMerge: false))set -euo pipefail
        cd \(quoted(workingDirectory))
        exec \(quoted(executable)) run \(quoted(suitePath)) --shard "${SLURM_ARRAY_TASK_ID}/\(shards)" \\
          --db \(quoted(shardPrefix))"${SLURM_ARRAY_TASK_ID}.sqlite" --jobs "${SLURM_CPUS_PER_TASK:-1}" --quiet --no-report

        """
    }

    public var mergeScript: String {
        let sources = (1...shards).map { quoted("\(shardPrefix)\($0).sqlite") }.joined(separator: " ")
        return """
            #!/bin/bash
            # Merges the \(shards) shard databases of suite \(oneLine(suiteName)); runs after the array job succeeds.
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
        array=$(sbatch --parsable --job-name=\(quoted("clvbench-\(suiteName)")) --output=\(quoted(logPrefix + "%a.out")) \\
          \(quoted("\(outputDirectory)/\(suiteName)-shards.sbatch")))
        array=${array%%;*}
        merge=$(sbatch --parsable --dependency="afterok:${array}" --job-name=\(quoted("clvbench-\(suiteName)-merge")) \\
          --output=\(quoted(logPrefix + "merge.out")) \(quoted("\(outputDirectory)/\(suiteName)-merge.sbatch")))
        echo "${array} ${merge%%;*}"

        """
    }

    /// A name inside a comment line, with anything that is not printable shown as U+FFFD.
    func oneLine(_ s: String) -> String { String(s.map { $0.isNewline ? "\u{FFFD}" : $0 }) }

    /// Writes the three scripts (and the logs and shards directories); returns their paths.
    /// Each script is written whole (OutputFile): an existing symbolic link, FIFO or read-only
    /// file in its place is refused, not replaced.
    public func write() throws -> [String] {
        try check()
        let fm = FileManager.default
        for d in [outputDirectory, "\(outputDirectory)/logs", "\(outputDirectory)/shards"] {
            do { try fm.createDirectory(atPath: d, withIntermediateDirectories: true) } catch {
                throw SlurmScriptError("\(d): cannot create the directory for the Slurm scripts; check the path and its permissions")
            }
        }
        var paths: [String] = []
        for (name, text) in [("\(suiteName)-shards.sbatch", arrayScript), ("\(suiteName)-merge.sbatch", mergeScript),
                             ("\(suiteName)-submit.sh", submitScript)] {
            let path = "\(outputDirectory)/\(name)"
            try OutputFile.write(Array(text.utf8), to: path, permissions: 0o755)
            paths.append(path)
        }
        return paths
    }
}

/// A value `plan --slurm` cannot put into a script.
public struct SlurmScriptError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}
