import Model

/// Fine-tuning with the language tower frozen: only the vision tower and logit scale learn.
public struct FreezeLanguage: ContinualMethod {
    public static let name = "freeze-language"
    public static let summary = "fine-tuning with the language tower frozen"
    public static let parameters: [MethodParameter] = []
    let objective: TrainingObjective
    public init(validated p: [String: Double]) { objective = TrainingObjective(validated: p) }

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        try FineTuneLoop(frozen: [.language], objective: objective).run(&model, context)
    }
}
