import Linalg
import Model

/// Elastic weight consolidation, online (Schwarz et al. 2018): a quadratic pull toward the
/// weights after the previous stage, weighted by a running diagonal Fisher estimate.
///
/// The Fisher diagonal is estimated after each stage from squared mini-batch gradients of the
/// stage's loss (batch b, times b to approximate per-sample scale), then
/// F <- gamma F_old + F_new. The penalty's gradient lambda F (theta - theta*) joins the loss gradient.
public struct EWC: ContinualMethod {
    public static let name = "ewc"
    public static let summary = "online EWC with a diagonal Fisher estimate"
    public static let parameters: [MethodParameter] = [
        MethodParameter("lambda", default: 1000, range: 0...1e9, help: "strength of the quadratic penalty"),
        MethodParameter("gamma", default: 1, range: 0...1, help: "decay of the old Fisher estimate per stage"),
        MethodParameter("fisher_batches", default: 8, range: 1...1000, integer: true, help: "mini-batches used to estimate the Fisher diagonal"),
        MethodParameter("fisher_batch_size", default: 16, range: 1...4096, integer: true, help: "size of those mini-batches"),
    ]

    let lambda: Float, gamma: Float, fisherBatches: Int, fisherBatchSize: Int
    /// Fisher diagonal and anchor weights, in `DualEncoder.forEachTensor` order.
    var fisher: DualEncoder?
    var anchor: DualEncoder?
    let objective: TrainingObjective

    public init(validated p: [String: Double]) {
        objective = TrainingObjective(validated: p)
        lambda = Float(p["lambda"]!)
        gamma = Float(p["gamma"]!)
        fisherBatches = Int(p["fisher_batches"]!)
        fisherBatchSize = Int(p["fisher_batch_size"]!)
    }

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        var loop = FineTuneLoop(objective: objective)
        if let fisher, let anchor, lambda > 0 {
            let f = fisher.tensors, a = anchor.tensors, l = lambda
            loop.adjustGradients = { m, g in
                let weights = m.tensors
                g.forEachTensor { k, _, gt in
                    let theta = weights[k].value
                    for i in 0..<gt.count {
                        gt.storage[i] += l * f[k].value.storage[i] * (theta.storage[i] - a[k].value.storage[i])
                    }
                }
            }
        }
        try loop.run(&model, context)
        // Fisher of this stage's task at the weights it ended with.
        let env = context.current
        var estimate = model.zeros()
        var rng = RandomStream(key: context.key.child("fisher"))
        let b = min(fisherBatchSize, env.trainImages.rows)
        for _ in 0..<fisherBatches {
            let rows = (0..<b).map { _ in rng.int(below: env.trainImages.rows) }
            let term = ClassificationTerm(imageBatch: 0, promptTokens: env.promptTokens,
                                          targets: oneHot(rows.map { env.trainLabels[$0] }, classes: env.classCount))
            let (_, g) = classificationLoss(model: model, imageBatches: [env.trainImages.gatherRows(rows)], terms: [term])
            let gt = g.tensors
            let scale = Float(b) / Float(fisherBatches)
            estimate.forEachTensor { k, _, e in
                for i in 0..<e.count { e.storage[i] += scale * gt[k].value.storage[i] * gt[k].value.storage[i] }
            }
        }
        if var old = fisher {
            let est = estimate.tensors
            let gm = gamma
            old.forEachTensor { k, _, t in for i in 0..<t.count { t.storage[i] = gm * t.storage[i] + est[k].value.storage[i] } }
            fisher = old
        } else {
            fisher = estimate
        }
        anchor = model
    }
}
