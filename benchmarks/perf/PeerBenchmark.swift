import Foundation

/// The numpy peer (benchmarks/perf/peer_numpy.py) timed in the same run as the Swift step.
enum PeerBenchmark {
    struct Output: Decodable {
        struct Result: Decodable { var batch: Int; var steps_per_second: Double }
        var peer: String
        var blas: String
        var results: [Result]
    }

    /// Debian's interpreter first: its numpy links the same libopenblas clvbench uses, so the
    /// comparison is of the code around the GEMMs, not of two BLAS builds.
    static func interpreter() -> String {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
    }

    static func run(script: String, python: String, batches: [Int], steps: Int) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, script, "--batches", batches.map(String.init).joined(separator: ","), "--steps", "\(steps)"]
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        env["OMP_NUM_THREADS"] = "1"
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw BenchmarkError("\(python) \(script) exited with status \(p.terminationStatus) (is numpy installed for it? apt-get install python3-numpy)")
        }
        return try JSONDecoder().decode(Output.self, from: data)
    }

    /// Swift and numpy steps per second side by side, and their ratio.
    /// `measured`: figures of this run; the training section's are reused when present.
    static func compare(script: String, python: String?, quick: Bool, measured: [BenchmarkFigure]) throws -> [BenchmarkFigure] {
        let batches = [64, 128, 256]
        let own = measured.filter { $0.unit == "steps/s" && $0.name.hasPrefix("train step") }
        let swift = own.isEmpty ? TrainingBenchmark.run(quick: quick).filter { $0.unit == "steps/s" } : own
        let peer = try run(script: script, python: python ?? interpreter(), batches: batches, steps: quick ? 5 : 30)
        var figures: [BenchmarkFigure] = []
        for r in peer.results {
            guard let s = swift.first(where: { $0.name == "train step b=\(r.batch)" }) else { continue }
            figures.append(BenchmarkFigure(name: "numpy step b=\(r.batch)", value: r.steps_per_second, unit: "steps/s", detail: "\(peer.peer), one thread, \(peer.blas)"))
            figures.append(BenchmarkFigure(name: "swift/numpy b=\(r.batch)", value: s.value / r.steps_per_second, unit: "x",
                                           detail: "clvbench steps/s over the numpy peer's, same shapes"))
        }
        return figures
    }
}
