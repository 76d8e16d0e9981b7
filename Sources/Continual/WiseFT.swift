import Model

/// Weight-space ensembling (WiSE-FT, Wortsman et al. 2022) applied per stage: fine-tune, then
/// theta <- (1 - alpha) theta_previous + alpha theta_finetuned.
public struct WiseFT: ContinualMethod {
    public static let name = "wise-ft"
    public static let summary = "fine-tune, then interpolate with the previous checkpoint"
    public static let parameters: [MethodParameter] = [
        MethodParameter("alpha", default: 0.5, range: 0...1, help: "weight of the fine-tuned model in the interpolation"),
    ]

    let alpha: Float

    let objective: TrainingObjective
    public init(validated p: [String: Double]) {
        alpha = Float(p["alpha"]!)
        objective = TrainingObjective(validated: p)
    }

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        let previous = model.tensors
        try FineTuneLoop(objective: objective).run(&model, context)
        let a = alpha
        model.forEachTensor { k, _, t in
            let p = previous[k].value
            for i in 0..<t.count { t.storage[i] = (1 - a) * p.storage[i] + a * t.storage[i] }
        }
    }
}
