import Analysis
import Foundation
import Linalg
import Model

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
    /// The peer's loss and gradients against clvbench's own for the same weights and batch
    /// (16 images, the benchmark's 4 prompts): a peer that computed a different step would make
    /// the speed ratio meaningless. Returns the loss difference and the worst per-tensor
    /// relative gradient difference; fails above 1e-3.
    static func crossCheck(script: String, python: String) throws -> [BenchmarkFigure] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clvbench-peer-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = TrainingBenchmark.defaultModel()
        var rng = RandomStream(key: RandomKey("peer-check"))
        let model = config.make(key: RandomKey("peer-check-model"))
        let k = 4, b = 16
        let images = rng.normalMatrix(rows: b, cols: config.imageInputs)
        // Captions of different lengths, so padding and the position embeddings are exercised.
        let prompts: [Int32] = (0..<(k * config.maxTokens)).map { i in i % config.maxTokens < 3 + (i / config.maxTokens) * 2 ? Int32(2 + (i * 7) % 50) : 0 }
        let labels = (0..<b).map { $0 % k }
        let term = ClassificationTerm(imageBatch: 0, promptTokens: prompts, targets: oneHot(labels, classes: k))
        let (loss, grads) = classificationLoss(model: model, imageBatches: [images], terms: [term])
        let names = ["vw0", "vb0", "vw1", "vb1", "vw2", "vb2", "tok", "pos", "tw0", "tb0", "tw1", "tb1", "scale"]
        let params = model.tensors, own = grads.tensors
        precondition(params.count == names.count, "the peer's parameter names follow DualEncoder.forEachTensor")
        func save(_ a: NPYArray, _ name: String) throws { try NPY.encode(a).write(to: dir.appendingPathComponent(name + ".npy")) }
        for (name, t) in zip(names, params) { try save(NPYArray(t.value), name) }
        try save(NPYArray(images), "images")
        try save(NPYArray(shape: [b], dtype: .float64, values: labels.map(Double.init)), "labels")
        try save(NPYArray(shape: [k, config.maxTokens], dtype: .float64, values: prompts.map(Double.init)), "tokens")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, script, "--check", dir.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchmarkError("\(python) \(script) --check exited with status \(p.terminationStatus)") }
        struct Answer: Decodable { var loss: Double }
        let peerLoss = try JSONDecoder().decode(Answer.self, from: data).loss
        var worst = 0.0, worstName = ""
        for (name, g) in zip(names, own) {
            let theirs = try NPY.decode(try Data(contentsOf: dir.appendingPathComponent("grad-" + name + ".npy"))).matrix()
            guard theirs.rows * theirs.cols == g.value.count else {
                throw BenchmarkError("the numpy peer's gradient of \(name) has \(theirs.rows)x\(theirs.cols) values, clvbench's \(g.value.rows)x\(g.value.cols)")
            }
            let scale = max(g.value.storage.map { abs(Double($0)) }.max() ?? 0, 1e-12)
            let diff = zip(g.value.storage, theirs.storage).map { abs(Double($0) - Double($1)) }.max() ?? 0
            if diff / scale > worst { worst = diff / scale; worstName = name }
        }
        let lossDifference = abs(loss - peerLoss)
        guard worst < 1e-3 && lossDifference < 1e-4 else {
            throw BenchmarkError("the numpy peer does not compute clvbench's step: loss \(loss) vs \(peerLoss), gradient of \(worstName) differs by \(worst) of its largest value")
        }
        return [BenchmarkFigure(name: "numpy peer loss difference", value: lossDifference, unit: "",
                                detail: "same weights and batch of 16: |clvbench loss - peer loss| (loss \(String(format: "%.4f", loss)))"),
                BenchmarkFigure(name: "numpy peer gradient difference", value: worst, unit: "",
                                detail: "largest |difference| / largest |gradient| over the 13 tensors (worst: \(worstName))")]
    }

    /// `measured`: figures of this run; the training section's are reused when present.
    static func compare(script: String, python: String?, quick: Bool, measured: [BenchmarkFigure]) throws -> [BenchmarkFigure] {
        let batches = [64, 128, 256]
        let python = python ?? interpreter()
        var figures = try crossCheck(script: script, python: python)  // before any timing
        let own = measured.filter { $0.unit == "steps/s" && $0.name.hasPrefix("train step") }
        let swift = own.isEmpty ? TrainingBenchmark.run(quick: quick).filter { $0.unit == "steps/s" } : own
        let peer = try run(script: script, python: python, batches: batches, steps: quick ? 5 : 30)
        for r in peer.results {
            guard let s = swift.first(where: { $0.name == "train step b=\(r.batch)" }) else { continue }
            figures.append(BenchmarkFigure(name: "numpy step b=\(r.batch)", value: r.steps_per_second, unit: "steps/s", detail: "\(peer.peer), one thread, \(peer.blas)"))
            figures.append(BenchmarkFigure(name: "swift/numpy b=\(r.batch)", value: s.value / r.steps_per_second, unit: "x",
                                           detail: "clvbench steps/s over the numpy peer's, same shapes"))
        }
        return figures
    }
}
