import ArgumentParser
import Benchmarks
import Foundation
import Harness
import Linalg
import ResultStore

/// `clvbench bench`: throughput figures on one thread (benchmarks/perf).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure clvbench's own speed on one OpenBLAS thread.",
        discussion: """
            Prints one row per figure: sgemm at square sizes; environment generation; the \
            training step at batch 64, 128 and 256 against the same GEMMs alone; per-stage \
            evaluation, contribution-score, Shapley and training cost on the default world; per \
            named model (mlp-bag, vit-bag, mlp-minilm, vit-minilm) an adaptive stage's training and \
            evaluation time, the CLIP-loss term's cost and a frozen-protocol stage (the linear \
            head's steps on cached embeddings and its readings), as the rates `clvbench plan` \
            prices each model with, and the ViT step against its GEMMs; the \
            MiniLM text tower's forward in tokens/s against its GEMMs alone (needs `make minilm`; \
            with --peer also against benchmarks/perf/minilm_numpy.py on the same weights); \
            SQLite ingest and report rendering for 1,000 (and with --long 10,000) synthetic runs. \
            Sections: \(BenchmarkSuite.sections.joined(separator: ", ")).

            Without --sections the default set runs (\(BenchmarkSuite.defaultSections.joined(separator: ", "))), \
            the one `make bench` stores; --long runs every section, the 10,000-run report and \
            10,000 environment samples (`make bench-long`), several times longer.

            Figures are meant to be read as ratios within one run: this machine is shared and \
            noisy. With --db they are stored (one transaction) with the commit, machine and \
            OpenBLAS core, and `clvbench report` draws them across commits on speed.html.

            Examples:
              clvbench bench --sections training --peer
              clvbench bench --quick --db results/clvbench.sqlite
              clvbench bench --long --peer
            """)

    @Option(help: "Comma-separated sections to run (default: sgemm, environments, training, stage, report; with --long all).")
    var sections: String?

    @Flag(help: "Smaller workloads, for a fast look.")
    var quick = false

    @Flag(help: "Every section, the report at 10,000 runs too, environments over 10,000 samples.")
    var long = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Also check the numpy peer (benchmarks/perf/peer_numpy.py) computes the same step, time it, and print the ratio.")
    var peer = false

    @Option(help: ArgumentHelp("Python interpreter for --peer (default: /usr/bin/python3, whose numpy uses the same OpenBLAS).",
                               valueName: "path"))
    var python: String?

    @Option(help: ArgumentHelp("Also store the figures in this results database.", valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp("Keep the report section's synthetic databases and sites here (runs-N.sqlite, site-N).",
                               valueName: "dir"))
    var keep: String?

    func validate() throws {
        for s in chosenSections where !BenchmarkSuite.sections.contains(s) {
            throw ValidationError("unknown section '\(s)'; sections: \(BenchmarkSuite.sections.joined(separator: ", "))")
        }
        if python != nil && !peer { throw ValidationError("--python only applies with --peer") }
        if quick && long { throw ValidationError("--quick and --long contradict each other; pick one") }
        if let keep {
            guard chosenSections.contains("report") else { throw ValidationError("--keep only applies with the report section") }
            try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            guard FileManager.default.isWritableFile(atPath: keep) else {
                throw ValidationError("--keep \(keep): cannot create or write that directory")
            }
        }
    }

    var chosenSections: [String] {
        sections.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? (long ? BenchmarkSuite.sections : BenchmarkSuite.defaultSections)
    }

    func run() throws {
        // Open the database first: a bad path should fail before minutes of measuring.
        let store = try db.map { try Store(path: $0) }
        var figures: [BenchmarkFigure]
        do {
            figures = try BenchmarkSuite.run(sections: chosenSections, quick: quick, long: long, keep: keep)
            if peer {
                figures += try BenchmarkSuite.peer(script: "benchmarks/perf/peer_numpy.py", python: python, quick: quick, measured: figures)
            }
        } catch let e as BenchmarkError {
            throw ValidationError(e.description)
        }
        if let store {
            let iso = ISO8601DateFormatter()
            try store.insertBenchmarks(figures.map { ($0.name, $0.value, $0.unit, $0.detail) }, measuredAt: iso.string(from: Date()),
                                       provenance: ProvenanceProbe.current())
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            struct Output: Encodable { var openblasCore: String; var figures: [BenchmarkFigure] }
            print(String(decoding: try enc.encode(Output(openblasCore: BLASRuntime.coreName, figures: figures)), as: UTF8.self))
        } else {
            print("OpenBLAS core \(BLASRuntime.coreName), 1 thread")
            let width = figures.map(\.name.count).max() ?? 0
            for f in figures {
                print("\(f.name.padding(toLength: width, withPad: " ", startingAt: 0)) \(String(format: f.value != 0 && abs(f.value) < 0.01 ? "%12.2e" : "%12.3f", f.value)) \(f.unit.padding(toLength: 10, withPad: " ", startingAt: 0))  \(f.detail)")
            }
        }
        if let db { FileHandle.standardError.write(Data("stored \(figures.count) figures in \(db)\n".utf8)) }
    }
}
