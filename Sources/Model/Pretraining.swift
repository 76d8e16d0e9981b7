import Foundation
import Linalg

/// How the broad pretraining mixture is learned.
public struct PretrainConfig: Codable, Hashable, Sendable {
    public var samples: Int = 12_000
    public var epochs: Int = 8
    public var batchSize: Int = 128
    public var optimizer: AdamW.Config = {
        var c = AdamW.Config()
        c.learningRate = 2e-3
        return c
    }()
    public var seed: Int = 0
    public init() {}
}

/// A NaN or infinite loss: the run stops with status `diverged` at this step.
public struct TrainingDiverged: Error, CustomStringConvertible, Equatable {
    public var step: Int
    public var loss: Double
    public init(step: Int, loss: Double) { self.step = step; self.loss = loss }
    public var description: String { "loss became \(loss) at step \(step)" }
}

/// Symmetric InfoNCE over shuffled mini-batches; deterministic for a given key.
/// Returns the mean loss of each epoch.
public func pretrain(_ model: inout DualEncoder, images: Matrix, captionTokens: [Int32], config: PretrainConfig,
                     key: RandomKey, progress: ((Int, Int) -> Void)? = nil) throws -> [Double] {
    let n = images.rows, l = model.text.maxTokens
    precondition(captionTokens.count == n * l, "one caption per image")
    var opt = AdamW(config: config.optimizer)
    let batches = n / config.batchSize
    let total = batches * config.epochs
    var epochLosses: [Double] = []
    var step = 0
    for epoch in 0..<config.epochs {
        var rng = RandomStream(key: key.child("epoch", .int(epoch)))
        let order = rng.permutation(n)
        var sum = 0.0
        for b in 0..<batches {
            let idx = Array(order[(b * config.batchSize)..<((b + 1) * config.batchSize)])
            let x = images.gatherRows(idx)
            var tokens = [Int32](); tokens.reserveCapacity(idx.count * l)
            for i in idx { tokens.append(contentsOf: captionTokens[(i * l)..<((i + 1) * l)]) }
            // Cosine learning-rate decay over the whole run.
            let scale = Float(0.5 * (1 + cos(Double.pi * Double(step) / Double(max(total, 1)))))
            let (loss, g) = contrastiveStep(model: model, images: x, captionTokens: tokens)
            guard loss.isFinite else { throw TrainingDiverged(step: step, loss: loss) }
            opt.update(&model, gradients: g, learningRateScale: scale)
            sum += loss
            step += 1
            progress?(step, total)
        }
        epochLosses.append(sum / Double(max(batches, 1)))
    }
    return epochLosses
}
