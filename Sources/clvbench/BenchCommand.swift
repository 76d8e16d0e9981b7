import ArgumentParser
import Benchmarks
import Foundation
import Linalg

/// `clvbench bench`: throughput figures on one thread (benchmarks/perf).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure throughput on one OpenBLAS thread: sgemm and environment generation.",
        discussion: """
            Prints one row per figure. Figures are meant to be read as ratios within one run; \
            this machine is shared and noisy. Sections: \(BenchmarkSuite.sections.joined(separator: ", ")).
            """)

    @Option(help: "Comma-separated sections to run (default: all).")
    var sections: String?

    @Flag(help: "Smaller workloads, for a fast look.")
    var quick = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Also time the numpy peer (benchmarks/perf/peer_numpy.py) and print the ratio.")
    var peer = false

    func run() throws {
        let chosen = sections.map { $0.split(separator: ",").map { String($0) } } ?? BenchmarkSuite.sections
        let figures: [BenchmarkFigure]
        do {
            figures = try BenchmarkSuite.run(sections: chosen, quick: quick)
                + (peer ? try BenchmarkSuite.peer(script: "benchmarks/perf/peer_numpy.py", quick: quick) : [])
        } catch let e as BenchmarkError {
            throw ValidationError(e.description)
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            struct Output: Encodable { var openblasCore: String; var figures: [BenchmarkFigure] }
            print(String(decoding: try enc.encode(Output(openblasCore: BLASRuntime.coreName, figures: figures)), as: UTF8.self))
            return
        }
        print("OpenBLAS core \(BLASRuntime.coreName), 1 thread")
        for f in figures {
            print("\(f.name.padding(toLength: 26, withPad: " ", startingAt: 0)) \(String(format: "%12.3f", f.value)) \(f.unit.padding(toLength: 10, withPad: " ", startingAt: 0))  \(f.detail)")
        }
    }
}
