import Foundation
import Linalg
import Model

/// Throughput of the default model's fine-tuning step, against the limit set by its own GEMMs.
///
/// FLOPs are counted analytically from the GEMM shapes of one step (forward, weight gradients,
/// input gradients); element-wise work is not counted, so the achieved GFLOP/s is a fair
/// fraction of what sgemm alone reaches at the same shapes.
enum TrainingBenchmark {
    /// (m, k, n) of every GEMM one fine-tuning step issues, with B images and K class prompts.
    static func gemmShapes(_ c: BenchmarkModel, batch b: Int, prompts k: Int) -> [(Int, Int, Int)] {
        mlpShapes(rows: b, widths: [c.imageInputs] + c.visionHidden + [c.embedding], inputGradientAtFirst: false)
            + mlpShapes(rows: k, widths: [c.textWidth] + c.textHidden + [c.embedding], inputGradientAtFirst: true)
            + similarityShapes(batch: b, embedding: c.embedding, prompts: k)
    }

    /// An MLP stack's forward y = x W, dW = x^T dy and dx = dy W^T per layer.
    static func mlpShapes(rows: Int, widths: [Int], inputGradientAtFirst: Bool) -> [(Int, Int, Int)] {
        var shapes: [(Int, Int, Int)] = []
        for i in 0..<(widths.count - 1) {
            let (inp, out) = (widths[i], widths[i + 1])
            shapes.append((rows, inp, out))
            shapes.append((inp, rows, out))
            if i > 0 || inputGradientAtFirst { shapes.append((rows, out, inp)) }
        }
        return shapes
    }

    /// Image-prompt similarities and their two input gradients.
    static func similarityShapes(batch b: Int, embedding e: Int, prompts k: Int) -> [(Int, Int, Int)] {
        [(b, e, k), (b, k, e), (k, b, e)]
    }

    static func flops(_ shapes: [(Int, Int, Int)]) -> Double { shapes.reduce(0) { $0 + 2 * Double($1.0 * $1.1 * $1.2) } }

    static func defaultModel() -> BenchmarkModel { BenchmarkModel() }

    static func run(quick: Bool) -> [BenchmarkFigure] {
        let config = defaultModel()
        return [64, 128, 256].flatMap { b in
            stepFigures(model: config.make(key: RandomKey("bench-model")), imageInputs: config.imageInputs,
                        maxTokens: config.maxTokens, shapes: gemmShapes(config, batch: b, prompts: 4), batch: b, prompts: 4,
                        tag: "b=\(b)", what: "fine-tune step + AdamW", steps: quick ? 5 : 30)
        }
    }

    /// One model's fine-tuning step (classification loss, gradients, AdamW) on random images
    /// and prompts, timed against the step's GEMM `shapes` run alone in the same order: the
    /// step's limit on this BLAS. Figures are named "train step TAG", "... GFLOP/s",
    /// "GEMMs alone TAG" and "step / GEMMs TAG".
    static func stepFigures(model start: DualEncoder, imageInputs: Int, maxTokens: Int, shapes: [(Int, Int, Int)],
                            batch b: Int, prompts k: Int, tag: String, what: String, steps: Int) -> [BenchmarkFigure] {
        var rng = RandomStream(key: RandomKey("bench-train", .int(b)))
        var model = start
        let images = rng.normalMatrix(rows: b, cols: imageInputs)
        let prompts: [Int32] = (0..<(k * maxTokens)).map { Int32(2 + $0 % 50) }
        let labels = oneHot((0..<b).map { $0 % k }, classes: k)
        let term = ClassificationTerm(imageBatch: 0, promptTokens: prompts, targets: labels)
        var opt = AdamW(config: AdamW.Config())
        var g = model.zeros()  // kept across steps, as FineTuneLoop does
        let t = Stopwatch.best {
            for _ in 0..<steps {
                _ = classificationLoss(model: model, imageBatches: [images], terms: [term], into: &g)
                opt.update(&model, gradients: g)
            }
        } / Double(steps)
        let f = flops(shapes)
        let operands = shapes.map { (rng.normalMatrix(rows: $0.0, cols: $0.1), rng.normalMatrix(rows: $0.1, cols: $0.2)) }
        var outs = shapes.map { Matrix(rows: $0.0, cols: $0.2) }
        let tg = Stopwatch.best {
            for _ in 0..<steps { for i in operands.indices { gemm(operands[i].0, operands[i].1, into: &outs[i]) } }
        } / Double(steps)
        return [
            BenchmarkFigure(name: "train step \(tag)", value: 1 / t, unit: "steps/s",
                            detail: String(format: "\(what), %.0f MFLOP of GEMM", f / 1e6)),
            BenchmarkFigure(name: "train step \(tag) GFLOP/s", value: f / t / 1e9, unit: "GFLOP/s",
                            detail: "analytic GEMM FLOPs / step time"),
            BenchmarkFigure(name: "GEMMs alone \(tag)", value: f / tg / 1e9, unit: "GFLOP/s",
                            detail: "the step's GEMM shapes run back to back (the limit)"),
            BenchmarkFigure(name: "step / GEMMs \(tag)", value: t / tg, unit: "x",
                            detail: "step time over its GEMMs' time (1.0 = no overhead)"),
        ]
    }
}

/// The default model (MLP vision tower, bag text tower) at 24x24 images and a vocabulary of 200,
/// with the sizes the benchmarks count FLOPs from.
struct BenchmarkModel {
    var description = ModelDescription()
    var imageSize = 24
    var vocabularySize = 200

    var imageInputs: Int { imageSize * imageSize * 3 }
    var embedding: Int { description.embedding }
    var maxTokens: Int { description.maxTokens }
    var visionHidden: [Int] {
        guard case .mlp(let v) = description.vision else { preconditionFailure("the benchmark model has an MLP vision tower") }
        return v.hidden
    }
    var textWidth: Int { bag.width }
    var textHidden: [Int] { bag.hidden }
    var bag: BagTextDescription {
        guard case .bag(let t) = description.text else { preconditionFailure("the benchmark model has a bag text tower") }
        return t
    }

    func make(key: RandomKey) -> DualEncoder {
        DualEncoder(description: description, imageSize: imageSize, vocabularySize: vocabularySize, key: key)
    }
}
