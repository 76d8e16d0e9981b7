import Environments
import Foundation
import Linalg

/// One measured figure.
public struct BenchmarkFigure: Codable, Sendable {
    public var name: String
    public var value: Double
    public var unit: String
    /// How it was measured, in a few words.
    public var detail: String
}

/// The figures `clvbench bench` prints. Each section is a function so a run can pick sections.
public enum BenchmarkSuite {
    public static let sections = ["sgemm", "environments", "training", "stage", "towers", "minilm", "report"]

    /// What `bench` runs without `--sections` or `--long`: about a minute. The towers and MiniLM
    /// sections (minutes of ViT and MiniLM training and forwards) and the 10,000-run report
    /// (minutes of SQLite ingest and file creation) need `--long`.
    public static let defaultSections = ["sgemm", "environments", "training", "stage", "report"]

    /// `keep`: where the report section leaves its synthetic databases and sites (nil: removed).
    /// `long`: the report section also at 10,000 runs, environments over 10,000 samples.
    public static func run(sections chosen: [String], quick: Bool, long: Bool = true, keep: String? = nil) throws -> [BenchmarkFigure] {
        var out: [BenchmarkFigure] = []
        for s in chosen {
            switch s {
            case "sgemm": out += sgemm(quick: quick)
            case "environments": out += try environments(count: quick ? 1000 : long ? 10_000 : 2000)
            case "training": out += TrainingBenchmark.run(quick: quick)
            case "stage": out += try StageBenchmark.run(quick: quick)
            case "towers": out += try TowersBenchmark.run(quick: quick)
            case "minilm": out += try MiniLMBenchmark.run(quick: quick)
            case "report": out += try ReportBenchmark.run(sizes: quick || !long ? [1000] : [1000, 10_000], templates: "site-template", keep: keep)
            default: throw BenchmarkError("unknown section '\(s)'; sections: \(sections.joined(separator: ", "))")
            }
        }
        return out
    }

    /// Swift against the numpy peer, one thread each.
    /// `python` nil: Debian's /usr/bin/python3 when present, else python3 from PATH.
    /// The training step is timed again unless `measured` already holds it.
    public static func peer(script: String, python: String? = nil, quick: Bool, measured: [BenchmarkFigure] = []) throws -> [BenchmarkFigure] {
        var figures = try PeerBenchmark.compare(script: script, python: python, quick: quick, measured: measured)
        if measured.contains(where: { $0.name.hasPrefix("minilm forward") }) {
            let minilm = URL(fileURLWithPath: script).deletingLastPathComponent().appendingPathComponent("minilm_numpy.py").path
            figures += try MiniLMBenchmark.peer(script: minilm, python: python ?? PeerBenchmark.interpreter(), quick: quick, measured: measured)
        }
        return figures
    }

    static func sgemm(quick: Bool) -> [BenchmarkFigure] {
        [128, 256, 512].map { n in
            BenchmarkFigure(name: "sgemm n=\(n)", value: SgemmProbe.gflops(n: n, minSeconds: quick ? 0.05 : 0.3),
                            unit: "GFLOP/s", detail: "square single-thread sgemm, best of 3 windows")
        }
    }

    /// Samples per second of the procedural world over `count` training samples (the time for
    /// 10,000, the issue's yardstick, is scaled from it) and of Fashion-MNIST when installed.
    static func environments(count: Int) throws -> [BenchmarkFigure] {
        let world = try ProceduralWorld(config: ProceduralWorldConfig(), similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        var sink: Float = 0
        let t = Stopwatch.best {
            for i in 0..<count { sink += world.sample(environment: i % 4, split: .train, index: i).image[0] }
        }
        var figures = [
            BenchmarkFigure(name: "procedural samples", value: Double(count) / t, unit: "samples/s",
                            detail: "\(count) train samples (24x24 image + caption), best of 3"),
            BenchmarkFigure(name: "procedural 10k samples", value: t * 10_000 / Double(count), unit: "s",
                            detail: "time for 10,000 train samples, one thread"),
        ]
        if let data = try? FashionMNIST() {
            let f = try FashionWorld(config: FashionWorld.Config(), similarity: SimilaritySetting(sv: 0.5, sl: 0.5), data: data)
            let tf = Stopwatch.best {
                for i in 0..<count { sink += f.sample(environment: i % 4, split: .train, index: i).image[0] }
            }
            figures.append(BenchmarkFigure(name: "fashion samples", value: Double(count) / tf, unit: "samples/s",
                                           detail: "\(count) train samples resampled to 24x24, best of 3"))
        }
        if sink.isNaN { print("") }  // keeps the work observable to the optimiser
        return figures
    }
}

public struct BenchmarkError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
