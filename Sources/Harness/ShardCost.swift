import Continual
import Foundation

/// What `--shard i/n` balances: each cell group's estimated worker-seconds, a pure function of
/// the suite (every array task must compute the same partition, and a shard database holds no
/// bench figures), so the rates are not read from any store but fixed here. A group costs its
/// shared stages times `PlanEstimate`'s per-stage seconds at the reference rates of its model:
/// a frozen stage is tens to hundreds of times cheaper than an adaptive one, and a ViT's adaptive
/// stage about ten times an MLP's, which stage counts alone cannot see. Not counted, as in the
/// estimate: pretraining and the frozen embedding pass (once per shard and world), method
/// overheads.
public enum ShardCost {
    /// The named models' rates on the default procedural world (image size 24, batch 64, 2,000
    /// training and 400 evaluation samples of 5 environments), rounded to three digits, from
    /// `clvbench bench --sections towers` (release build of 2b9be54, 2026-12-04 20:32 UTC, load
    /// average 6-7; docs/performance.md, "Shards weighted by cost"). Only their ratios matter:
    /// they decide which groups go together, never what a run computes.
    public static let reference: [String: ModelRates] = [
        "mlp-bag": ModelRates(stepsPerSecond: 228, clipFactor: 1.00, imagesPerSecond: 27_800,
                              headStepsPerSecond: 114_000, frozenImagesPerSecond: 162_000),
        "vit-bag": ModelRates(stepsPerSecond: 22.8, clipFactor: 1.13, imagesPerSecond: 1_790,
                              headStepsPerSecond: 74_900, frozenImagesPerSecond: 180_000),
        "mlp-minilm": ModelRates(stepsPerSecond: 410, clipFactor: 1.95, imagesPerSecond: 25_800,
                                 headStepsPerSecond: 116_000, frozenImagesPerSecond: 243_000),
        "vit-minilm": ModelRates(stepsPerSecond: 24.7, clipFactor: 1.02, imagesPerSecond: 2_260,
                                 headStepsPerSecond: 106_000, frozenImagesPerSecond: 170_000),
    ]
    static let referenceImageSize = 24, referenceBatch = 64

    /// A model's rates: the named model's reference scaled to the suite's image size and batch
    /// and, for a model described with other sizes, by the ratio of multiply-adds per sample
    /// (TowerWork) to the named model with the same tower kinds. Head rates scale with the batch
    /// and the embedding width.
    public static func rates(_ spec: ModelSpec, imageSize: Int, batchSize: Int) -> ModelRates {
        let kinds = { (m: ModelSpec) in "\(m.description.vision.kind)-\(m.description.text.kind)" }
        let named = ModelSpec.named.first { $0.description == spec.description }
            ?? ModelSpec.named.first { kinds($0) == kinds(spec) } ?? ModelSpec.standard
        var r = reference[named.name]!
        let work = TowerWork.perSample(named.description, imageSize: referenceImageSize)
            / TowerWork.perSample(spec.description, imageSize: imageSize)
        let batch = Double(referenceBatch) / Double(max(batchSize, 1))
        let head = batch * Double(named.description.embedding) / Double(spec.description.embedding)
        r.stepsPerSecond *= work * batch
        r.imagesPerSecond *= work
        r.headStepsPerSecond = r.headStepsPerSecond.map { $0 * head }
        r.frozenImagesPerSecond = r.frozenImagesPerSecond.map { $0 * Double(named.description.embedding) / Double(spec.description.embedding) }
        return r
    }

    /// Estimated worker-seconds of each group of the plan, in the plan's group order.
    public static func groupCosts(_ plan: Plan) -> [Double] { costs(plan.groups, suite: plan.suite) }

    /// Estimated worker-seconds of each of these groups of `suite` (whole or with some cells
    /// already stored: a group costs the prefixes its cells still need).
    public static func costs(_ groups: [CellGroup], suite: Suite) -> [Double] {
        let (_, evaluation, environments) = suite.world.sampleCounts
        let steps = PlanEstimate.steps(suite), images = environments * evaluation
        let modelRates = suite.models.map { Self.rates($0, imageSize: suite.world.imageSize, batchSize: suite.settings.budget.batchSize) }
        return groups.map { g in
            let clip = (suite.methods[g.methodIndex].parameters["clip_weight"] ?? 0) > 0
            let perStage = PlanEstimate.stageSeconds(modelRates[g.modelIndex], g.trainingProtocol, clip: clip, steps: steps, images: images)!
            // An external method runs one process per cell: no prefix sharing.
            let stages = suite.methods[g.methodIndex].external == nil ? g.sharedStages : g.unsharedStages
            return Double(stages) * perStage
        }
    }
}
