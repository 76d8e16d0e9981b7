import Foundation
import Linalg
import Model

/// One environment's training data for the frozen protocol: its training images' frozen unit
/// embeddings and their labels in the shared head's class space.
public struct HeadSource: Sendable {
    public var name: String
    public var embeddings: Matrix
    /// Head class index of each row.
    public var labels: [Int]

    public init(name: String, embeddings: Matrix, labels: [Int]) {
        precondition(embeddings.rows == labels.count, "one label per embedding")
        self.name = name
        self.embeddings = embeddings
        self.labels = labels
    }
}

/// Everything a method needs to train the shared head for one stage of the frozen protocol.
public struct HeadStageContext: Sendable {
    public var stage: Int
    /// Environments trained so far, in order; the last one is this stage's.
    public var environments: [HeadSource]
    public var key: RandomKey
    public var budget: TrainingBudget

    public init(stage: Int, environments: [HeadSource], key: RandomKey, budget: TrainingBudget) {
        self.stage = stage
        self.environments = environments
        self.key = key
        self.budget = budget
    }

    public var current: HeadSource { environments.last! }
}

/// The head's training loop, the frozen counterpart of FineTuneLoop: epochs of shuffled
/// mini-batches over the sources' embeddings (shuffled by the same per-epoch streams), mean
/// cross-entropy over all the head's classes, AdamW with the same cosine schedule. The CLIP term
/// of the objective has no gradient here (it depends on the encoders only), so λ does not enter.
struct HeadTrainingLoop {
    var sources: [HeadSource]

    func run(_ head: inout LinearHead, _ ctx: HeadStageContext) throws {
        var index: [(env: Int, row: Int)] = []
        for (e, s) in sources.enumerated() { for r in 0..<s.embeddings.rows { index.append((e, r)) } }
        guard !index.isEmpty else { return }
        let b = min(ctx.budget.batchSize, index.count)
        let stepsPerEpoch = (index.count + b - 1) / b
        let total = stepsPerEpoch * ctx.budget.epochs
        var opt = LinearHead.Optimizer(config: ctx.budget.optimizer)
        var step = 0
        let width = head.weight.rows
        for epoch in 0..<ctx.budget.epochs {
            var rng = RandomStream(key: ctx.key.child("epoch", .int(epoch)))
            let order = rng.permutation(index.count)
            for s in 0..<stepsPerEpoch {
                let picked = order[(s * b)..<min(index.count, (s + 1) * b)].map { index[$0] }
                var x = Matrix(rows: picked.count, cols: width)
                var y: [Int] = []
                for (i, p) in picked.enumerated() {
                    let src = sources[p.env]
                    x.storage.replaceSubrange((i * width)..<((i + 1) * width),
                                              with: src.embeddings.storage[(p.row * width)..<((p.row + 1) * width)])
                    y.append(src.labels[p.row])
                }
                let (loss, gw, gb) = head.lossAndGradient(x, labels: y)
                guard loss.isFinite else { throw TrainingDiverged(step: step, loss: loss) }
                let scale = Float(0.5 * (1 + cos(Double.pi * Double(step) / Double(max(total, 1)))))
                opt.update(&head, weight: gw, bias: gb, learningRateScale: scale)
                step += 1
            }
        }
    }
}
