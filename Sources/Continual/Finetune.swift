import Model

/// Sequential fine-tuning: the baseline every continual method is measured against.
public struct Finetune: ContinualMethod {
    public static let name = "finetune"
    public static let summary = "sequential fine-tuning of both towers (the baseline); under protocol frozen, of the shared head on the current environment"
    public static let parameters: [MethodParameter] = []
    let objective: TrainingObjective
    public init(validated p: [String: Double]) { objective = TrainingObjective(validated: p) }

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        try FineTuneLoop(objective: objective).run(&model, context)
    }

    /// Frozen protocol: trains the head on the current environment alone.
    public static let protocols: [TrainingProtocol] = [.adaptive, .frozen]

    public mutating func trainHead(_ head: inout LinearHead, _ context: HeadStageContext) throws {
        try HeadTrainingLoop(sources: [context.current]).run(&head, context)
    }
}
