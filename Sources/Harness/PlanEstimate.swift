import Environments
import Foundation

/// How long a plan takes on this machine, from two `clvbench bench` figures: training steps per
/// second (the default model at a batch size) and evaluation images per second. A stage costs
/// its fine-tuning steps (epochs × ⌈train samples / batch⌉) plus evaluating and embedding every
/// environment's evaluation set (seven times over with exact Shapley: the six coalition models
/// and the stage's own). Shared prefixes are trained once; the workers split the stages evenly.
/// An estimate: the figures are the default MLP + bag model's, so ViT or MiniLM towers, method
/// overheads (EWC's Fisher pass, replay's buffer) and a loaded machine make it longer.
public struct PlanEstimate: Sendable, Equatable {
    public var stepsPerStage: Int
    public var imagesPerStage: Int
    public var secondsPerStage: Double
    public var stages: Int
    public var stagesWithoutSharing: Int
    public var jobs: Int
    /// Wall seconds with prefix sharing, and without it.
    public var seconds: Double
    public var secondsWithoutSharing: Double

    public init(plan: Plan, stepsPerSecond: Double, imagesPerSecond: Double, jobs: Int) {
        precondition(stepsPerSecond > 0 && imagesPerSecond > 0 && jobs >= 1)
        let s = plan.suite.settings
        let w = plan.suite.world
        let (train, evaluation, environments) = w.sampleCounts
        stepsPerStage = s.budget.epochs * ((train + s.budget.batchSize - 1) / s.budget.batchSize)
        imagesPerStage = environments * evaluation * (s.shapley ? 7 : 1)
        secondsPerStage = Double(stepsPerStage) / stepsPerSecond + Double(imagesPerStage) / imagesPerSecond
        stages = plan.stagesWithSharing
        stagesWithoutSharing = plan.stagesWithoutSharing
        self.jobs = jobs
        seconds = Double(stages) * secondsPerStage / Double(jobs)
        secondsWithoutSharing = Double(stagesWithoutSharing) * secondsPerStage / Double(jobs)
    }

    /// "2 h 05 min", "7 min 30 s", "42 s".
    public static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return String(format: "%d h %02d min", t / 3600, (t % 3600) / 60) }
        if t >= 60 { return String(format: "%d min %02d s", t / 60, t % 60) }
        return "\(t) s"
    }
}

extension WorldDescription {
    /// Training and evaluation samples per environment, and how many environments (trained and held out) each stage evaluates.
    public var sampleCounts: (train: Int, evaluation: Int, environments: Int) {
        switch self {
        case .procedural(let c): (c.trainSamples, c.evaluationSamples, c.trainedEnvironments + c.heldOutEnvironments)
        case .fashion(let c, _): (c.trainSamples, c.evaluationSamples, c.classGroups.count)
        case .emoji(let c): (c.trainSamples, c.evaluationSamples, c.trained + c.heldOut)
        case .manifest(let c): (c.environments.map(\.train.count).max() ?? 0, c.environments.map(\.evaluation.count).max() ?? 0, c.environments.count)
        }
    }
}
