import Continual
import Environments
import Foundation

/// One model's speed on this machine, as rates from `clvbench bench` (the towers section), so
/// they scale to any suite's world and budget.
public struct ModelRates: Sendable, Equatable {
    /// Fine-tuning steps per second (clip_weight 0).
    public var stepsPerSecond: Double
    /// Training time with clip_weight > 0 over clip_weight 0.
    public var clipFactor: Double
    /// Evaluation images (with captions and embeddings) per second, adaptive stage.
    public var imagesPerSecond: Double
    /// Frozen protocol: the linear head's steps per second on cached embeddings, and the rest of
    /// the stage (head readings, scores) in evaluation images per second. Nil: not measured.
    public var headStepsPerSecond: Double?
    public var frozenImagesPerSecond: Double?

    public init(stepsPerSecond: Double, clipFactor: Double = 1, imagesPerSecond: Double,
                headStepsPerSecond: Double? = nil, frozenImagesPerSecond: Double? = nil) {
        self.stepsPerSecond = stepsPerSecond
        self.clipFactor = clipFactor
        self.imagesPerSecond = imagesPerSecond
        self.headStepsPerSecond = headStepsPerSecond
        self.frozenImagesPerSecond = frozenImagesPerSecond
    }

    var measuresFrozen: Bool { headStepsPerSecond != nil && frozenImagesPerSecond != nil }

    /// Each model's rates from stored bench figures (oldest first; the newest of a name wins):
    /// "train rate M", "evaluation rate M", "CLIP term cost M", "head rate M" and "frozen
    /// evaluation rate M". Without towers figures the default model falls back to the training
    /// section's "train step b=B" (B nearest the suite's batch) and "evaluation + embeddings".
    /// A model with neither is absent.
    public static func from(figures: [(name: String, unit: String, value: Double)], models: [String],
                            batchSize: Int) -> [String: ModelRates] {
        func newest(_ name: String, _ unit: String) -> Double? {
            figures.last { $0.name == name && $0.unit == unit && $0.value.isFinite && $0.value > 0 }?.value
        }
        var out: [String: ModelRates] = [:]
        for m in models {
            if let steps = newest("train rate \(m)", "steps/s"), let images = newest("evaluation rate \(m)", "images/s") {
                out[m] = ModelRates(stepsPerSecond: steps, clipFactor: newest("CLIP term cost \(m)", "x") ?? 1, imagesPerSecond: images,
                                    headStepsPerSecond: newest("head rate \(m)", "steps/s"),
                                    frozenImagesPerSecond: newest("frozen evaluation rate \(m)", "images/s"))
            } else if m == ModelSpec.standard.name, let b = nearestBatch(figures, batchSize),
                      let steps = newest("train step b=\(b)", "steps/s"), let images = newest("evaluation + embeddings", "images/s") {
                out[m] = ModelRates(stepsPerSecond: steps, imagesPerSecond: images)
            }
        }
        return out
    }

    static func nearestBatch(_ figures: [(name: String, unit: String, value: Double)], _ batch: Int) -> Int? {
        let sizes = Set(figures.filter { $0.name.hasPrefix("train step b=") && $0.unit == "steps/s" }
            .compactMap { Int($0.name.dropFirst("train step b=".count)) })
        return sizes.min { abs($0 - batch) != abs($1 - batch) ? abs($0 - batch) < abs($1 - batch) : $0 < $1 }
    }
}

/// How long a plan takes on this machine, per model, from each model's bench rates. An adaptive
/// stage costs its fine-tuning steps (epochs × ⌈train samples / batch⌉, times the CLIP term's
/// factor when clip_weight > 0) plus evaluating and embedding every environment's evaluation
/// set once (exact Shapley scores its six coalitions from the stage's two checkpoints' embeddings,
/// about a millisecond: not counted). A
/// frozen stage costs finetune's head steps (the same count, on cached embeddings) plus its
/// readings of every environment, and each (similarity, model) embeds the trained environments'
/// training images once. Shared prefixes are trained once, and so are the frozen heads of cells
/// that differ only in clip_weight; the workers split the work evenly.
/// Not counted: pretraining (cached), method overheads (EWC's Fisher pass, replay's buffer,
/// joint's growing data) and a loaded machine; all make it longer.
public struct PlanEstimate: Sendable, Equatable {
    /// One model of the suite: its stages under each protocol and what they cost.
    public struct ModelRow: Sendable, Equatable {
        public var model: String
        public var adaptiveStages = 0, adaptiveStagesWithoutSharing = 0
        public var frozenStages = 0, frozenStagesWithoutSharing = 0
        /// Seconds of one stage: adaptive at clip_weight 0 and above 0, frozen; nil without rates.
        public var secondsPerAdaptiveStage: Double?
        public var secondsPerClipStage: Double?
        public var secondsPerFrozenStage: Double?
        /// Embedding the training images for the frozen stages, once per similarity setting.
        public var setupSeconds = 0.0
        /// Worker-seconds of this model's stages and setup, with and without prefix sharing; nil
        /// when a stage kind it runs has no rates.
        public var work: Double?
        public var workWithoutSharing: Double?
    }

    public var stepsPerStage: Int
    public var imagesPerStage: Int
    public var rows: [ModelRow]
    public var stages: Int
    public var stagesWithoutSharing: Int
    public var jobs: Int
    /// Wall seconds with prefix sharing, and without it, over the models with rates.
    public var seconds: Double
    public var secondsWithoutSharing: Double
    /// Models whose rates are missing (their stages are not in the totals).
    public var unestimated: [String] { rows.filter { $0.work == nil }.map(\.model) }

    public init(plan: Plan, rates: [String: ModelRates], jobs: Int) {
        precondition(jobs >= 1)
        let suite = plan.suite
        let (train, evaluation, environments) = suite.world.sampleCounts
        stepsPerStage = Self.steps(suite)
        imagesPerStage = environments * evaluation
        let frozenImages = environments * evaluation
        let trainedCount = suite.environmentNames.count
        var rows: [ModelRow] = []
        for (mi, spec) in suite.models.enumerated() {
            var row = ModelRow(model: spec.name)
            let r = rates[spec.name]
            if let r {
                row.secondsPerAdaptiveStage = Self.stageSeconds(r, .adaptive, clip: false, steps: stepsPerStage, images: imagesPerStage)
                row.secondsPerClipStage = Self.stageSeconds(r, .adaptive, clip: true, steps: stepsPerStage, images: imagesPerStage)
                row.secondsPerFrozenStage = Self.stageSeconds(r, .frozen, clip: false, steps: stepsPerStage, images: frozenImages)
            }
            var work = 0.0, workWithout = 0.0, priced = r != nil
            for g in plan.groups where g.modelIndex == mi {
                let perStage: Double?
                if g.trainingProtocol == .frozen {
                    row.frozenStages += g.sharedStages
                    row.frozenStagesWithoutSharing += g.unsharedStages
                    perStage = row.secondsPerFrozenStage
                } else {
                    row.adaptiveStages += g.sharedStages
                    row.adaptiveStagesWithoutSharing += g.unsharedStages
                    let lambda = suite.methods[g.methodIndex].parameters["clip_weight"] ?? 0
                    perStage = lambda > 0 ? row.secondsPerClipStage : row.secondsPerAdaptiveStage
                }
                guard let perStage else { priced = false; continue }
                work += Double(g.sharedStages) * perStage
                workWithout += Double(g.unsharedStages) * perStage
            }
            if let r, suite.protocols.contains(.frozen) {
                row.setupSeconds = Double(suite.similarities.count * trainedCount * train) / r.imagesPerSecond
                work += row.setupSeconds
                workWithout += row.setupSeconds
            }
            if priced { row.work = work; row.workWithoutSharing = workWithout }
            rows.append(row)
        }
        self.rows = rows
        stages = plan.stagesWithSharing
        stagesWithoutSharing = plan.stagesWithoutSharing
        self.jobs = jobs
        seconds = rows.compactMap(\.work).reduce(0, +) / Double(jobs)
        secondsWithoutSharing = rows.compactMap(\.workWithoutSharing).reduce(0, +) / Double(jobs)
    }

    /// Training steps of one stage: epochs × ⌈train samples / batch⌉ (the head's steps under frozen).
    static func steps(_ suite: Suite) -> Int {
        let b = suite.settings.budget
        return b.epochs * ((suite.world.sampleCounts.train + b.batchSize - 1) / b.batchSize)
    }

    /// Seconds of one stage at rates `r`: adaptive, its steps at the training rate (times the CLIP
    /// term's factor when `clip`) plus reading `images` evaluation images; frozen, its steps at the
    /// head rate plus the readings at the frozen evaluation rate (nil when those are not measured).
    static func stageSeconds(_ r: ModelRates, _ p: TrainingProtocol, clip: Bool, steps: Int, images: Int) -> Double? {
        precondition(r.stepsPerSecond > 0 && r.imagesPerSecond > 0 && r.clipFactor > 0)
        switch p {
        case .adaptive: return Double(steps) / r.stepsPerSecond * (clip ? r.clipFactor : 1) + Double(images) / r.imagesPerSecond
        case .frozen:
            guard let h = r.headStepsPerSecond, let f = r.frozenImagesPerSecond else { return nil }
            return Double(steps) / h + Double(images) / f
        }
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
