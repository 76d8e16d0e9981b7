import Foundation
import Linalg
import Model

/// The training loop every built-in method shares: epochs of shuffled mini-batches of the
/// current environment, cross-entropy against its class prompts (plus λ·CLIP over the step's own
/// image-caption pairs when the objective's λ > 0), AdamW. Methods change it
/// through the hooks: frozen groups, extra images and terms per step, gradient adjustments.
struct FineTuneLoop {
    var frozen: Set<ParameterGroup> = []
    /// Adds image batches and loss terms to a step (replay, distillation), given the model, the
    /// step's batches and terms so far, and a random stream for the step.
    var extra: ((DualEncoder, inout [Matrix], inout [ClassificationTerm], inout RandomStream) -> Void)?
    /// Changes the gradient before the optimiser sees it (EWC's penalty).
    var adjustGradients: ((DualEncoder, inout DualEncoder) -> Void)?
    /// Which environments supply the step's own samples: the current one, or all seen (joint).
    var sources: [EnvironmentData]?
    /// Scales each parameter group's step after the optimiser moved it (CBF's continuous variant):
    /// θ ← θ_before + factor_g (θ_after − θ_before). nil: steps as the optimiser made them.
    var updateScale: [ParameterGroup: Float]?
    /// CE + λ·CLIP; λ = 0 trains on cross-entropy alone.
    var objective = TrainingObjective()

    func run(_ model: inout DualEncoder, _ ctx: StageContext) throws {
        let sources = self.sources ?? [ctx.current]
        if objective.clipWeight > 0, let bare = sources.first(where: { $0.trainCaptionTokens.isEmpty }) {
            throw MethodError("clip_weight \(objective.clipWeight) needs training captions, and environment '\(bare.name)' has none")
        }
        // Sample i of the union is (environment, row).
        var index: [(env: Int, row: Int)] = []
        for (e, s) in sources.enumerated() { for r in 0..<s.trainImages.rows { index.append((e, r)) } }
        let b = min(ctx.budget.batchSize, index.count)
        let stepsPerEpoch = (index.count + b - 1) / b
        let total = stepsPerEpoch * ctx.budget.epochs
        var opt = AdamW(config: ctx.budget.optimizer)
        var g = model.zeros()  // the gradient accumulator, zeroed in place each step
        var step = 0
        for epoch in 0..<ctx.budget.epochs {
            var rng = RandomStream(key: ctx.key.child("epoch", .int(epoch)))
            let order = rng.permutation(index.count)
            for s in 0..<stepsPerEpoch {
                let picked = order[(s * b)..<min(index.count, (s + 1) * b)].map { index[$0] }
                var batches: [Matrix] = []
                var terms: [ClassificationTerm] = []
                var pairs: [TrainingObjective.Pairs] = []
                // One image batch and one term per source environment present in the step;
                // weights make the total the mean over all the step's samples.
                for (e, src) in sources.enumerated() {
                    let rows = picked.filter { $0.env == e }.map(\.row)
                    if rows.isEmpty { continue }
                    batches.append(src.trainImages.gatherRows(rows))
                    terms.append(ClassificationTerm(
                        imageBatch: batches.count - 1, promptTokens: src.promptTokens,
                        targets: oneHot(rows.map { src.trainLabels[$0] }, classes: src.classCount),
                        weight: Float(rows.count) / Float(picked.count)))
                    if objective.clipWeight > 0 {
                        let width = src.trainCaptionTokens.count / src.trainImages.rows
                        pairs.append(TrainingObjective.Pairs(
                            imageBatch: batches.count - 1,
                            captionTokens: rows.flatMap { src.trainCaptionTokens[($0 * width)..<(($0 + 1) * width)] },
                            weight: Float(rows.count) / Float(picked.count)))
                    }
                }
                if let extra {
                    var stepRng = RandomStream(key: ctx.key.child("step", .int(step)))
                    extra(model, &batches, &terms, &stepRng)
                }
                let (loss, _, _) = objective.lossAndGradients(model: model, imageBatches: batches, terms: terms, pairs: pairs,
                                                              frozen: frozen, into: &g)
                guard loss.isFinite else { throw TrainingDiverged(step: step, loss: loss) }
                adjustGradients?(model, &g)
                if step == 0, let probe = ctx.firstGradient {
                    probe.record(firstGradient(model, batches, terms, pairs, g))
                }
                let scale = Float(0.5 * (1 + cos(Double.pi * Double(step) / Double(max(total, 1)))))
                if let updateScale {
                    let before = model.tensors
                    opt.update(&model, gradients: g, frozen: frozen, learningRateScale: scale)
                    scaleStep(&model, from: before, by: updateScale)
                } else {
                    opt.update(&model, gradients: g, frozen: frozen, learningRateScale: scale)
                }
                step += 1
            }
        }
    }
}

extension FineTuneLoop {
    /// Step 0's gradient for the alignment diagnostic: the step's own when no tower is frozen,
    /// else the same objective's full backward into a fresh accumulator (a frozen tower's
    /// gradient is never computed for training). Reads the model, changes nothing.
    func firstGradient(_ model: DualEncoder, _ batches: [Matrix], _ terms: [ClassificationTerm], _ pairs: [TrainingObjective.Pairs],
                       _ g: DualEncoder) -> FirstGradientProbe.Capture {
        var full = g
        if !frozen.isEmpty {
            full = model.zeros()
            _ = objective.lossAndGradients(model: model, imageBatches: batches, terms: terms, pairs: pairs, frozen: [], into: &full)
            adjustGradients?(model, &full)
        }
        var scale: [ParameterGroup: Double] = [:]
        for group in ParameterGroup.allCases {
            scale[group] = frozen.contains(group) ? 0 : Double(updateScale?[group] ?? 1)
        }
        return .init(gradient: full, scale: scale)
    }
}

/// θ ← θ_before + factor_g (θ − θ_before) for every tensor of a group with a factor.
func scaleStep(_ model: inout DualEncoder, from before: [(group: ParameterGroup, value: Matrix)], by factors: [ParameterGroup: Float]) {
    model.forEachTensor { k, g, t in
        guard let f = factors[g], f != 1 else { return }
        let b = before[k].value
        for i in 0..<t.count { t.storage[i] = b.storage[i] + f * (t.storage[i] - b.storage[i]) }
    }
}
