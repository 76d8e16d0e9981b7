import Model

/// Fine-tuning with the vision tower frozen: only the language tower and logit scale learn.
public struct FreezeVision: ContinualMethod {
    public static let name = "freeze-vision"
    public static let summary = "fine-tuning with the vision tower frozen"
    public static let parameters: [MethodParameter] = []
    let objective: TrainingObjective
    public init(validated p: [String: Double]) { objective = TrainingObjective(validated: p) }

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        try FineTuneLoop(frozen: [.vision], objective: objective).run(&model, context)
    }
}
