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
        var shapes: [(Int, Int, Int)] = []
        func tower(_ rows: Int, _ widths: [Int], inputGradientAtFirst: Bool) {
            for i in 0..<(widths.count - 1) {
                let (inp, out) = (widths[i], widths[i + 1])
                shapes.append((rows, inp, out))            // forward y = x W
                shapes.append((inp, rows, out))            // dW = x^T dy
                if i > 0 || inputGradientAtFirst { shapes.append((rows, out, inp)) }  // dx = dy W^T
            }
        }
        tower(b, [c.imageInputs] + c.visionHidden + [c.embedding], inputGradientAtFirst: false)
        tower(k, [c.textWidth] + c.textHidden + [c.embedding], inputGradientAtFirst: true)
        shapes.append((b, c.embedding, k))  // similarities
        shapes.append((b, k, c.embedding))  // d images
        shapes.append((k, b, c.embedding))  // d prompts
        return shapes
    }

    static func flops(_ shapes: [(Int, Int, Int)]) -> Double { shapes.reduce(0) { $0 + 2 * Double($1.0 * $1.1 * $1.2) } }

    static func defaultModel() -> BenchmarkModel { BenchmarkModel() }

    static func run(quick: Bool) -> [BenchmarkFigure] {
        let config = defaultModel()
        var figures: [BenchmarkFigure] = []
        let k = 4
        for b in [64, 128, 256] {
            var rng = RandomStream(key: RandomKey("bench-train", .int(b)))
            var model = config.make(key: RandomKey("bench-model"))
            let images = rng.normalMatrix(rows: b, cols: config.imageInputs)
            let prompts: [Int32] = (0..<(k * config.maxTokens)).map { Int32(2 + $0 % 50) }
            let labels = oneHot((0..<b).map { $0 % k }, classes: k)
            let term = ClassificationTerm(imageBatch: 0, promptTokens: prompts, targets: labels)
            var opt = AdamW(config: AdamW.Config())
            let steps = quick ? 5 : 30
            let t = Stopwatch.best {
                for _ in 0..<steps {
                    let (_, g) = classificationLoss(model: model, imageBatches: [images], terms: [term])
                    opt.update(&model, gradients: g)
                }
            } / Double(steps)
            let shapes = gemmShapes(config, batch: b, prompts: k)
            let f = flops(shapes)
            // The same GEMMs alone, same shapes, same order: the step's limit on this BLAS.
            let operands = shapes.map { (rng.normalMatrix(rows: $0.0, cols: $0.1), rng.normalMatrix(rows: $0.1, cols: $0.2)) }
            var outs = shapes.map { Matrix(rows: $0.0, cols: $0.2) }
            let tg = Stopwatch.best {
                for _ in 0..<steps { for i in operands.indices { gemm(operands[i].0, operands[i].1, into: &outs[i]) } }
            } / Double(steps)
            figures.append(BenchmarkFigure(name: "train step b=\(b)", value: 1 / t, unit: "steps/s",
                                           detail: String(format: "fine-tune step + AdamW, %.0f MFLOP of GEMM", f / 1e6)))
            figures.append(BenchmarkFigure(name: "train step b=\(b) GFLOP/s", value: f / t / 1e9, unit: "GFLOP/s",
                                           detail: "analytic GEMM FLOPs / step time"))
            figures.append(BenchmarkFigure(name: "GEMMs alone b=\(b)", value: f / tg / 1e9, unit: "GFLOP/s",
                                           detail: "the step's GEMM shapes run back to back (the limit)"))
            figures.append(BenchmarkFigure(name: "step / GEMMs b=\(b)", value: t / tg, unit: "x",
                                           detail: "step time over its GEMMs' time (1.0 = no overhead)"))
        }
        return figures
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
