import Foundation
import Linalg

/// The frozen protocol's classifier (DESIGN.md section 10): one linear head shared by every class
/// of the environments trained so far, on the frozen unit image embeddings,
/// logits = s·(v W) + b with s the pretrained model's logit scale. A new class's column starts
/// at its prompt's unit text embedding (and bias 0), so an untrained head is exactly the
/// zero-shot classifier over the union of classes; no random initialisation is involved.
public struct LinearHead: Sendable, Equatable {
    /// embedding x classes.
    public private(set) var weight: Matrix
    /// 1 x classes.
    public private(set) var bias: Matrix
    /// The fixed scale s of the logits.
    public let scale: Float

    public init(embedding: Int, scale: Float) {
        weight = Matrix(rows: embedding, cols: 0)
        bias = Matrix(rows: 1, cols: 0)
        self.scale = scale
    }

    public init(weight: Matrix, bias: Matrix, scale: Float) {
        precondition(bias.rows == 1 && bias.cols == weight.cols, "one bias per class")
        self.weight = weight
        self.bias = bias
        self.scale = scale
    }

    public var classCount: Int { weight.cols }

    /// Appends one class per row of `prompts` (unit text embeddings, one row per new class).
    public mutating func addClasses(_ prompts: Matrix) {
        precondition(prompts.cols == weight.rows, "prompt embeddings have the head's width")
        let d = weight.rows, old = weight.cols, new = old + prompts.rows
        var w = Matrix(rows: d, cols: new)
        for i in 0..<d {
            for j in 0..<old { w.storage[i * new + j] = weight.storage[i * old + j] }
            for c in 0..<prompts.rows { w.storage[i * new + old + c] = prompts.storage[c * d + i] }
        }
        weight = w
        bias = Matrix(rows: 1, cols: new, storage: bias.storage + [Float](repeating: 0, count: prompts.rows))
    }

    public func logits(_ embeddings: Matrix) -> Matrix {
        var z = Matrix(rows: embeddings.rows, cols: weight.cols)
        gemm(embeddings, .none, weight, .none, into: &z, alpha: scale)
        z.addRowVector(bias.storage)
        return z
    }

    /// Mean cross-entropy of `labels` (head class indices) and its gradient with respect to
    /// the weight and the bias: dz = (softmax(z) − onehot)/n, dW = s·vᵀdz, db = Σ_rows dz.
    public func lossAndGradient(_ embeddings: Matrix, labels: [Int]) -> (loss: Double, weight: Matrix, bias: Matrix) {
        precondition(embeddings.rows == labels.count, "one label per embedding")
        let (loss, dz) = softCrossEntropy(logits: logits(embeddings), targets: oneHot(labels, classes: classCount))
        var dw = Matrix(rows: weight.rows, cols: weight.cols)
        gemm(embeddings, .transposed, dz, .none, into: &dw, alpha: scale)
        return (loss, dw, Matrix(rows: 1, cols: classCount, storage: dz.columnSums()))
    }

    /// Accuracy and mean cross-entropy of `labels` over all the head's classes.
    public func evaluate(_ embeddings: Matrix, labels: [Int]) -> (accuracy: Double, loss: Double) {
        guard embeddings.rows > 0 else { return (.nan, .nan) }
        let z = logits(embeddings)
        let logp = z.logSoftmaxRows()
        let pred = z.rowArgmax()
        var correct = 0, loss = 0.0
        for (i, y) in labels.enumerated() {
            if pred[i] == y { correct += 1 }
            loss -= Double(logp.storage[i * classCount + y])
        }
        return (Double(correct) / Double(labels.count), loss / Double(labels.count))
    }

    /// AdamW on the head (the encoders' optimiser, the same element update and global-norm clipping).
    public struct Optimizer: Sendable {
        public var config: AdamW.Config
        private var step = 0
        private var m: [Matrix] = [], v: [Matrix] = []

        public init(config: AdamW.Config) { self.config = config }

        public mutating func update(_ head: inout LinearHead, weight gw: Matrix, bias gb: Matrix, learningRateScale: Float = 1) {
            if m.isEmpty {
                m = [Matrix(rows: gw.rows, cols: gw.cols), Matrix(rows: 1, cols: gb.cols)]
                v = m
            }
            var sq = 0.0
            for g in [gw, gb] { g.storage.withUnsafeBufferPointer { sq += AdamW.sumOfSquares($0) } }
            let norm = Float(sq.squareRoot())
            var clip: Float = 1
            if let c = config.clipNorm, norm > c { clip = c / norm }
            step += 1
            let c = config
            var k = AdamW.StepConstants(clip: clip, beta1: c.beta1, beta2: c.beta2, inverseBC1: 1 / (1 - powf(c.beta1, Float(step))),
                                        inverseBC2: 1 / (1 - powf(c.beta2, Float(step))), learningRate: c.learningRate * learningRateScale,
                                        epsilon: c.epsilon, decay: c.weightDecay)
            Self.apply(&head.weight, &m[0], &v[0], gw, k)
            k.decay = 0  // biases are not decayed, as in AdamW on the encoders
            Self.apply(&head.bias, &m[1], &v[1], gb, k)
        }

        static func apply(_ p: inout Matrix, _ m: inout Matrix, _ v: inout Matrix, _ g: Matrix, _ k: AdamW.StepConstants) {
            g.storage.withUnsafeBufferPointer { gs in
                m.storage.withUnsafeMutableBufferPointer { ms in
                    v.storage.withUnsafeMutableBufferPointer { vs in
                        p.storage.withUnsafeMutableBufferPointer { ps in
                            AdamW.updateElements(parameters: ps, moment1: ms, moment2: vs, gradients: gs, constants: k)
                        }
                    }
                }
            }
        }
    }
}
