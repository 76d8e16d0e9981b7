import Foundation
import Linalg
import Model

/// The MiniLM text tower's forward (token ids to unit sentence embeddings) on one thread: tokens
/// per second at caption lengths and batch sizes a suite uses, against the same GEMMs run alone
/// (the forward's limit on this BLAS) and, with --peer, against the numpy forward of the same
/// weights (benchmarks/perf/minilm_numpy.py), checked to agree before it is timed.
enum MiniLMBenchmark {
    /// (batch, caption length) pairs measured; quick keeps the small batch.
    static func shapes(quick: Bool) -> [(batch: Int, length: Int)] {
        quick ? [(64, 8), (64, 32)] : [(64, 8), (64, 32), (512, 8), (512, 32)]
    }

    /// The token pattern minilm_numpy.py's bench uses: [CLS], 1000 + 7 (b L + i) mod 20000, [SEP].
    static func ids(batch: Int, length: Int) -> [[Int32]] {
        (0..<batch).map { b in [101] + (1..<(length - 1)).map { i in Int32(1000 + (7 * (b * length + i)) % 20000) } + [102] }
    }

    /// (m, k, n) of every GEMM of one forward over `batch` sequences of `length` tokens.
    static func gemmShapes(_ c: MiniLM.Config, batch: Int, length: Int) -> [(Int, Int, Int)] {
        let rows = batch * length, d = c.width, dh = c.width / c.heads
        var s: [(Int, Int, Int)] = []
        for _ in 0..<c.layers {
            s += Array(repeating: (rows, d, d), count: 3)                   // Q, K, V
            s += Array(repeating: (length, dh, length), count: batch * c.heads)  // scores per sequence and head
            s += Array(repeating: (length, length, dh), count: batch * c.heads)  // weighted values
            s += [(rows, d, d), (rows, d, c.hidden), (rows, c.hidden, d)]   // output projection, feed-forward
        }
        return s
    }

    static func load() throws -> MiniLM {
        do { return try MiniLMFiles.standard().load().model } catch { throw BenchmarkError("minilm section: \(error)") }
    }

    static func run(quick: Bool) throws -> [BenchmarkFigure] {
        let model = try load()
        var figures: [BenchmarkFigure] = []
        var rng = RandomStream(key: RandomKey("bench-minilm"))
        for (b, l) in shapes(quick: quick) {
            let batch = MiniLM.TokenBatch(ids(batch: b, length: l))
            let reps = b * l > 4096 ? 1 : 3  // the largest shape takes seconds per forward; make bench stays near a minute
            var sink: Float = 0
            let t = Stopwatch.best(repetitions: reps) { sink += model.sentenceEmbeddings(batch).storage[0] }
            let shapes = gemmShapes(model.config, batch: b, length: l)
            let flops = TrainingBenchmark.flops(shapes)
            // The same GEMMs alone, with one operand pair per distinct shape (as the forward reuses weights).
            var operands: [String: (Matrix, Matrix, Matrix)] = [:]
            for (m, k, n) in shapes where operands["\(m)x\(k)x\(n)"] == nil {
                operands["\(m)x\(k)x\(n)"] = (rng.normalMatrix(rows: m, cols: k), rng.normalMatrix(rows: k, cols: n), Matrix(rows: m, cols: n))
            }
            let keys = shapes.map { "\($0.0)x\($0.1)x\($0.2)" }
            let tg = Stopwatch.best(repetitions: reps) {
                for key in keys { gemm(operands[key]!.0, operands[key]!.1, into: &operands[key]!.2) }
            }
            if sink.isNaN { print("") }
            let tag = "b=\(b) L=\(l)"
            figures.append(BenchmarkFigure(name: "minilm forward \(tag)", value: Double(b * l) / t, unit: "tokens/s",
                                           detail: String(format: "ids to unit embeddings, 6 layers, %.1f GFLOP of GEMM", flops / 1e9)))
            figures.append(BenchmarkFigure(name: "minilm forward \(tag) GFLOP/s", value: flops / t / 1e9, unit: "GFLOP/s",
                                           detail: "analytic GEMM FLOPs / forward time"))
            figures.append(BenchmarkFigure(name: "minilm forward / GEMMs \(tag)", value: t / tg, unit: "x",
                                           detail: "forward time over its GEMMs' time alone (1.0 = no overhead)"))
        }
        return figures
    }

    /// The numpy forward's embeddings against clvbench's for captions of different lengths
    /// (padding exercised), then its tokens/s at the shapes `measured` holds, and the ratio.
    static func peer(script: String, python: String, quick: Bool, measured: [BenchmarkFigure]) throws -> [BenchmarkFigure] {
        let model = try load()
        let check: [[Int32]] = [[101, 1037, 6302, 1997, 1037, 4937, 102], [101, 2048, 102], ids(batch: 3, length: 20)[2]]
        let own = model.sentenceEmbeddings(MiniLM.TokenBatch(check))
        let request = try JSONSerialization.data(withJSONObject: ["ids": check.map { $0.map(Int.init) }])
        struct Embedded: Decodable { var embeddings: [[Double]] }
        let theirs = try JSONDecoder().decode(Embedded.self, from: runScript(python, script, ["embed"], stdin: request)).embeddings
        guard theirs.count == check.count else { throw BenchmarkError("\(script) embed returned \(theirs.count) embeddings for \(check.count)") }
        var worst = 0.0
        for (i, e) in theirs.enumerated() { for (j, v) in e.enumerated() { worst = max(worst, abs(v - Double(own[i, j]))) } }
        guard worst < 1e-4 else { throw BenchmarkError("the numpy MiniLM forward differs from clvbench's by \(worst) (> 1e-4) on the same weights") }
        var figures = [BenchmarkFigure(name: "numpy minilm embedding difference", value: worst, unit: "",
                                       detail: "largest |difference| of 3 unit embeddings (lengths 3, 7, 20) before timing")]
        let chosen = shapes(quick: quick)
        let out = try runScript(python, script, ["bench", "--batches", Set(chosen.map(\.batch)).sorted().map(String.init).joined(separator: ","),
                                                 "--lengths", Set(chosen.map(\.length)).sorted().map(String.init).joined(separator: ","),
                                                 "--repeats", quick ? "2" : "3", "--max-tokens-repeated", "4096"], stdin: nil)
        struct Line: Decodable { var batch: Int; var length: Int; var tokens_per_second: Double; var erf: String }
        for line in String(decoding: out, as: UTF8.self).split(separator: "\n") {
            let r = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
            let tag = "b=\(r.batch) L=\(r.length)"
            figures.append(BenchmarkFigure(name: "numpy minilm forward \(tag)", value: r.tokens_per_second, unit: "tokens/s",
                                           detail: "minilm_numpy.py float32, one thread, erf: \(r.erf)"))
            if let s = measured.first(where: { $0.name == "minilm forward \(tag)" }) {
                figures.append(BenchmarkFigure(name: "swift/numpy minilm \(tag)", value: s.value / r.tokens_per_second, unit: "x",
                                               detail: "clvbench tokens/s over the numpy forward's, same weights and ids"))
            }
        }
        return figures
    }

    static func runScript(_ python: String, _ script: String, _ args: [String], stdin: Data?) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, script] + args
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        env["OMP_NUM_THREADS"] = "1"
        p.environment = env
        let out = Pipe(), inp = Pipe()
        p.standardOutput = out
        if stdin != nil { p.standardInput = inp }
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin); try inp.fileHandleForWriting.close() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw BenchmarkError("\(python) \(script) \(args.first ?? "") exited with status \(p.terminationStatus) (numpy installed? weights fetched with `make minilm`?)")
        }
        return data
    }
}
