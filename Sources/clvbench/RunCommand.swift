import ArgumentParser
import Foundation
import Harness
import Report
import ResultStore

/// Parses "i/n" (1-based on the command line) into (index, count) 0-based.
struct ShardSpec: ExpressibleByArgument {
    var index: Int
    var count: Int
    init?(argument: String) {
        let p = argument.split(separator: "/")
        guard p.count == 2, let i = Int(p[0]), let n = Int(p[1]), n >= 1, i >= 1, i <= n else { return nil }
        index = i - 1
        count = n
    }
}

/// Loads a suite; its problems are reported (file:line:column, exit 2) by ErrorReport.
func loadSuite(_ path: String) throws -> Suite { try Suite.load(path: path) }

/// Opens the results database; its problems are reported by ErrorReport.
func openStore(_ path: String, readOnly: Bool = false) throws -> Store {
    try Store(path: path, mode: readOnly ? .readOnly : .readWrite)
}

/// `clvbench run`: the main job.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a suite: train every cell of its grid and store the results.",
        discussion: """
            Enumerates the suite's cells (similarity x method x seed x order), trains shared \
            order prefixes once, runs --jobs workers side by side (one OpenBLAS thread each) and \
            writes each finished run to the database in one transaction. Running again resumes: \
            runs this code version already finished are skipped (--force reruns them). Results \
            do not depend on --jobs.

            Examples:
              clvbench run                                   # benchmarks/default.yaml
              clvbench run benchmarks/paper.yaml --shard 2/8 --db results/shard2.sqlite
            """)

    @Argument(help: "Suite file.") var suite = "benchmarks/default.yaml"
    @Option(help: "Results database.") var db = "results/clvbench.sqlite"
    @Option(help: "Parallel workers; one per core unless set.") var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Run only shard i of n (1-based), a deterministic partition balanced by cost.") var shard: ShardSpec?
    @Flag(help: "Rerun cells already stored for this code version, replacing them.") var force = false
    @Option(name: .customLong("code-version"),
            help: "The external methods' code version (over external.repository and CLVBENCH_CODE_VERSION); see docs/provenance.md.")
    var codeVersion: String?
    @Flag(help: "No progress output.") var quiet = false
    @Flag(help: "Print the summary as JSON.") var json = false
    @Flag(help: "Do not render the report afterwards.") var noReport = false
    @Option(help: "Where the report goes.") var site = "results/site"
    @Option(help: "Template directory (page.xhtml, style.css); found beside the executable unless set.") var templates: String?

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be in 1...256, got \(jobs)") }
    }

    func run() throws {
        let s = try loadSuite(suite)
        let templateDirectory = noReport ? nil : try TemplateLocation.find(explicit: templates)  // before training, not after
        let store = try openStore(db)
        var options = RunOptions()
        options.jobs = jobs
        options.force = force
        options.quiet = quiet
        options.shard = shard.map { ($0.index, $0.count) }
        options.codeVersion = codeVersion
        let summary: RunSummary
        do {
            let runner = SuiteRunner(plan: Plan(suite: s), store: store, options: options)
            let db = self.db
            Signals.onInterrupt { "\(runner.stored) runs stored in \(db) by this command; run the same command again to resume (stored runs are skipped)" }
            summary = try runner.run()
        } catch {
            try? store.checkpoint()  // what was stored before the failure stays in the .sqlite file
            throw error
        }
        try store.checkpoint()
        if json {
            let obj: [String: Any] = ["suite": s.name, "db": db, "planned": summary.planned, "skipped": summary.skipped,
                                      "done": summary.done, "failed": summary.failed, "diverged": summary.diverged,
                                      "stagesTrained": summary.stagesTrained, "seconds": summary.seconds]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("\(s.name): \(summary.done) runs done, \(summary.diverged) diverged, \(summary.failed) failed, "
                + "\(summary.skipped) already stored; \(summary.stagesTrained) stages trained in "
                + String(format: "%.1f s", summary.seconds) + "; results in \(db)")
        }
        if let templateDirectory {
            let index = try renderSite(db: db, out: site, templates: templateDirectory, jobs: jobs)
            if !json { print("report: \(index)") }
        }
        if summary.failed > 0 { throw ExitCode(1) }
    }
}

/// `clvbench plan`: what a suite will do.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "List a suite's cells and the stages trained with and without prefix sharing.")

    @Argument(help: "Suite file.") var suite = "benchmarks/default.yaml"
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Write a Slurm array job running the shards, and a merge job after it.") var slurm = false
    @Option(help: "Number of shards (array tasks) for --slurm (default 4).") var shards: Int?
    @Option(help: "CPUs per array task for --slurm (default 2).") var cpusPerTask: Int?
    @Option(help: "Directory for the --slurm scripts, logs and shard databases.") var out = "results/slurm"
    @Option(help: "Database the merge job writes, for --slurm.") var db = "results/clvbench.sqlite"
    @Option(help: "Slurm partition of the array and merge jobs, for --slurm.") var partition: String?
    @Option(help: "Generic resources per array task, e.g. gpu:1, for --slurm.") var gres: String?
    @Option(help: "Time limit per array task (minutes, HH:MM:SS, D-HH:MM), for --slurm.") var time: String?
    @Option(help: "Memory per array task, e.g. 16G, for --slurm.") var mem: String?
    @Option(help: "Database with `clvbench bench --db` figures, for the time estimate.") var figures = "results/clvbench.sqlite"
    @Option(help: "Workers the time estimate assumes (default: one per core).") var jobs = ProcessInfo.processInfo.activeProcessorCount

    var resources: SlurmResources { SlurmResources(partition: partition, gres: gres, time: time, memory: mem) }

    func validate() throws {
        if let shards, !(1...10_000).contains(shards) { throw ValidationError("--shards must be in 1...10000, got \(shards)") }
        if let cpusPerTask, !(1...256).contains(cpusPerTask) { throw ValidationError("--cpus-per-task must be in 1...256, got \(cpusPerTask)") }
        guard (1...4096).contains(jobs) else { throw ValidationError("--jobs must be in 1...4096, got \(jobs)") }
        if let problem = resources.problem() { throw ValidationError(problem) }
        if (resources != SlurmResources() || shards != nil || cpusPerTask != nil) && !slurm {
            throw ValidationError("--shards, --cpus-per-task, --partition, --gres, --time and --mem need --slurm")
        }
    }

    func run() throws {
        let s = try loadSuite(suite)
        let plan = Plan(suite: s)
        if slurm {
            let cwd = FileManager.default.currentDirectoryPath
            func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : cwd + "/" + p }
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            var script = SlurmScript(suitePath: absolute(suite), suiteName: s.name, shards: shards ?? 4, cpusPerTask: cpusPerTask ?? 2,
                                     executable: absolute(exe), workingDirectory: cwd, outputDirectory: absolute(out),
                                     database: absolute(db))
            script.resources = resources
            for p in try script.write() { print(p) }
            // What each array task trains, split by estimated cost (docs/slurm.md), to size --time.
            let n = shards ?? 4, per = Double(cpusPerTask ?? 2)
            for (i, e) in plan.shardEstimates(n).enumerated() {
                print("shard \(i + 1)/\(n): \(e.groups) groups, \(e.stages) stages, about \(PlanEstimate.duration(e.seconds / per)) on \(Int(per)) CPUs at the reference rates")
            }
            print("(the reference rates are ShardCost's, measured on one machine; pretraining, method overheads and a loaded machine not counted: docs/slurm.md)")
            print("submit with: \(absolute(out))/\(s.name)-submit.sh")
            return
        }
        if json {
            let cells: [[String: Any]] = plan.cells.map {
                ["hash": $0.hash, "sv": $0.similarity.sv, "sl": $0.similarity.sl, "method": s.methods[$0.methodIndex].label,
                 "seed": $0.seed, "order": $0.order, "model": s.models[$0.modelIndex].name, "protocol": $0.trainingProtocol.rawValue]
            }
            var obj: [String: Any] = ["suite": s.name, "cells": cells, "stagesWithSharing": plan.stagesWithSharing,
                                      "stagesWithoutSharing": plan.stagesWithoutSharing, "groups": plan.groups.count,
                                      "stagesSavedByFrozenLambdaSharing": plan.stagesSavedByFrozenLambdaSharing]
            if let (e, measuredAt) = estimate(plan) {
                let models: [[String: Any]] = e.rows.map { r in
                    var m: [String: Any] = ["model": r.model, "adaptiveStages": r.adaptiveStages, "frozenStages": r.frozenStages,
                                            "adaptiveStagesWithoutSharing": r.adaptiveStagesWithoutSharing,
                                            "frozenStagesWithoutSharing": r.frozenStagesWithoutSharing, "setupSeconds": r.setupSeconds]
                    if let w = r.work, let u = r.workWithoutSharing { m["seconds"] = w / Double(e.jobs); m["secondsWithoutSharing"] = u / Double(e.jobs) }
                    return m
                }
                obj["estimate"] = ["figuresOf": measuredAt, "jobs": e.jobs, "seconds": e.seconds, "secondsWithoutSharing": e.secondsWithoutSharing,
                                   "models": models, "unestimated": e.unestimated] as [String: Any]
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return
        }
        // The model and protocol columns appear when the suite has more than one.
        for c in plan.cells {
            let axes = (s.models.count > 1 ? "\(s.models[c.modelIndex].name)  " : "") + (s.protocols.count > 1 ? "\(c.trainingProtocol.rawValue)  " : "")
            print("\(c.hash)  \(axes)\(s.methods[c.methodIndex].label)  sv=\(c.similarity.sv) sl=\(c.similarity.sl)  seed=\(c.seed)  \(c.order.joined(separator: ">"))")
        }
        let saved = plan.stagesSavedByFrozenLambdaSharing
        print("\(plan.cells.count) cells in \(plan.groups.count) groups; \(plan.stagesWithSharing) stages trained with prefix sharing, \(plan.stagesWithoutSharing) without"
              + (saved > 0 ? " (frozen cells that differ only in clip_weight train one head: \(saved) stages saved)" : ""))
        print(estimateLine(plan))
    }

    /// The time estimate from the newest bench figures in --figures (a line per model, then the
    /// total), or how to get them.
    func estimateLine(_ plan: Plan) -> String {
        let run = "run `clvbench bench --sections training,stage,towers --db \(figures)` once on this machine"
        guard let (e, measuredAt) = estimate(plan) else { return "no time estimate: \(figures) holds no bench figures; \(run)" }
        return PlanEstimateText.lines(e, measuredAt: measuredAt, rerun: run).joined(separator: "\n")
    }

    /// The estimate and the date of the newest figure it read, nil without stored figures.
    func estimate(_ plan: Plan) -> (PlanEstimate, String)? {
        guard FileManager.default.fileExists(atPath: figures), let all = try? Store(path: figures, mode: .readOnly).loadBenchmarks(),
              let newest = all.last else { return nil }
        let rates = ModelRates.from(figures: all.map { ($0.name, $0.unit, $0.value) }, models: plan.suite.models.map(\.name),
                                    batchSize: plan.suite.settings.budget.batchSize)
        return (PlanEstimate(plan: plan, rates: rates, jobs: jobs), String(newest.measuredAt.prefix(10)))
    }
}
