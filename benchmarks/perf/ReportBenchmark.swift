import Analysis
import Foundation
import Linalg
import Report
import ResultStore

/// Report rendering time for databases of 1,000 and 10,000 synthetic runs (4 environments,
/// 3 methods, 2 similarity settings, full accuracy, contribution and attribution rows).
enum ReportBenchmark {
    static func record(_ i: Int) -> RunRecord {
        var rng = RandomStream(key: RandomKey("bench-report", .int(i)))
        let methods = ["finetune", "ewc", "replay"], orders = OrderList.latin
        let method = methods[i % 3], order = orders[(i / 3) % 4], sv = (i / 12) % 2 == 0 ? 0.25 : 0.75
        let p = RunRecord.Provenance(commit: "bench", dirty: false, cpu: "cpu", cores: 2, os: "os", swift: "6", openblas: "0.3.21",
                                     openblasCore: "Haswell", threads: 1)
        var r = RunRecord(cellHash: "cell-\(i)", suiteName: "bench", suiteHash: "h", suiteText: "name: bench", methodLabel: method,
                          methodName: method, methodParameters: "{}", sv: sv, sl: 0.5, seed: i / 24, order: order, status: .done,
                          measuredSV: sv, measuredSL: 0.5, wallSeconds: 1, finishedAt: "2026-01-01T00:00:00Z", provenance: p)
        var acc = [[Double]]()
        for s in 0...4 { acc.append((0..<5).map { j in min(1, max(0, (j < s ? 0.85 : 0.3) + 0.05 * Double(rng.normal()))) }) }
        for s in 0...4 { for j in 0..<5 {
            r.accuracy.append(.init(stage: s, column: j, environment: j < 4 ? order[j] : "heldout1", heldOut: j == 4, accuracy: acc[s][j], loss: 1 - acc[s][j]))
        } }
        let m = continualMetrics(try! AccuracyMatrix(values: acc, heldOutCount: 1))
        for (k, v) in m { r.metrics[k.rawValue] = v.number }
        for t in 2...4 { for s in 1..<t {
            r.contributions.append(.init(stage: t, trained: order[t - 1], earlier: order[s - 1], sv: Double(rng.uniform()), sl: Double(rng.uniform()),
                                         sxEarlierTrained: 0.1, sxTrainedEarlier: 0.2, driftVision: 0.9, driftLanguage: 0.95,
                                         forgetting: acc[t - 1][s - 1] - acc[t][s - 1]))
        } }
        for t in 1...4 { for (j, e) in order.enumerated() {
            let d = acc[t][j] - acc[t - 1][j]
            r.attributions.append(.init(stage: t, environment: e, accuracy: GroupValues(vision: 0.6 * d, language: 0.3 * d, shared: 0.1 * d), loss: .zero))
        } }
        return r
    }

    enum OrderList {
        static let latin = [["env1", "env2", "env3", "env4"], ["env2", "env3", "env4", "env1"],
                            ["env3", "env4", "env1", "env2"], ["env4", "env1", "env2", "env3"]]
    }

    /// `keep`: a directory to leave the synthetic databases and sites in (`runs-N.sqlite`,
    /// `site-N`), for looking at them or timing `clvbench report` on them; nil removes them.
    /// `sizes`: the synthetic databases' run counts (10,000 takes minutes, 1,000 seconds).
    static func run(sizes: [Int], templates: String, keep: String? = nil) throws -> [BenchmarkFigure] {
        var figures: [BenchmarkFigure] = []
        for n in sizes {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clvbench-bench-report-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            defer {
                if let keep {
                    try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                    for (from, to) in [("runs.sqlite", "runs-\(n).sqlite"), ("site", "site-\(n)")] {
                        let target = keep + "/" + to
                        try? FileManager.default.removeItem(atPath: target)
                        try? FileManager.default.moveItem(atPath: dir.appendingPathComponent(from).path, toPath: target)
                    }
                }
            }
            let store = try Store(path: dir.appendingPathComponent("runs.sqlite").path)
            let t0 = Stopwatch.now()
            for i in 0..<n { try store.insert(record(i)) }
            let ingest = Double(Stopwatch.now() - t0) * 1e-9
            let rows = n * (1 + 25 + 9 + 6 + 16)
            figures.append(BenchmarkFigure(name: "SQLite ingest \(n) runs", value: Double(rows) / ingest, unit: "rows/s",
                                           detail: "one transaction per run, \(rows) rows in \(String(format: "%.1f", ingest)) s"))
            let t1 = Stopwatch.now()
            let runs = try store.loadRuns()
            let load = Double(Stopwatch.now() - t1) * 1e-9
            let site = dir.appendingPathComponent("site").path
            let builder = SiteBuilder(templateDirectory: templates, outputDirectory: site)
            let t2 = Stopwatch.now()
            let pages = try builder.build(runs: runs)
            let render = Double(Stopwatch.now() - t2) * 1e-9
            // Again over the existing site, as `clvbench report` usually runs: files are
            // truncated and rewritten instead of created.
            let t3 = Stopwatch.now()
            _ = try builder.build(runs: runs)
            let rerender = Double(Stopwatch.now() - t3) * 1e-9
            // What `clvbench report` does by default on this machine: one thread per core.
            let cores = ProcessInfo.processInfo.activeProcessorCount
            var parallel = builder
            parallel.jobs = cores
            let t4 = Stopwatch.now()
            _ = try parallel.build(runs: runs)
            let rerenderParallel = Double(Stopwatch.now() - t4) * 1e-9
            let floor = try fileCreationFloor(copying: pages, into: dir.appendingPathComponent("floor").path)
            figures.append(BenchmarkFigure(name: "report \(n) runs: load", value: load, unit: "s", detail: "every run and its rows from SQLite"))
            figures.append(BenchmarkFigure(name: "report \(n) runs: render", value: render, unit: "s",
                                           detail: "\(pages.count) pages into a new directory: statistics, charts, files"))
            figures.append(BenchmarkFigure(name: "report \(n) runs: re-render", value: rerender, unit: "s",
                                           detail: "the same pages over the existing site"))
            figures.append(BenchmarkFigure(name: "report \(n) runs: re-render, \(cores) threads", value: rerenderParallel, unit: "s",
                                           detail: "as `clvbench report` runs by default here (--jobs \(cores))"))
            figures.append(BenchmarkFigure(name: "report \(n) runs: file floor", value: floor, unit: "s",
                                           detail: "creating \(pages.count) files of the same bytes, nothing else"))
        }
        return figures
    }

    /// Seconds to create and write files holding the same bytes as `pages`, in a new directory
    /// on the same file system, with the same open/write calls as `Page.write`: the part of a
    /// render that belongs to the file system, not to clvbench.
    static func fileCreationFloor(copying pages: [String], into dir: String) throws -> Double {
        let contents = pages.map { FileManager.default.contents(atPath: $0) ?? Data() }
        try FileManager.default.createDirectory(atPath: dir + "/runs", withIntermediateDirectories: true)
        let t0 = Stopwatch.now()
        for (i, data) in contents.enumerated() {
            let fd = open(dir + (i % 100 == 0 ? "/" : "/runs/") + "\(i).html", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else { throw BenchmarkError("\(dir): cannot create a file (\(String(cString: strerror(errno))))") }
            _ = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        return Double(Stopwatch.now() - t0) * 1e-9
    }
}
