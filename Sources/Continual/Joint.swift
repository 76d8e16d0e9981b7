import Model

/// Joint training on the union of every environment seen so far: not continual, an upper bound.
public struct Joint: ContinualMethod {
    public static let name = "joint"
    public static let summary = "trains on the union of all seen environments (upper bound); under protocol frozen, the shared head on that union"
    public static let parameters: [MethodParameter] = []
    let objective: TrainingObjective
    public init(validated p: [String: Double]) { objective = TrainingObjective(validated: p) }

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        try FineTuneLoop(sources: context.environments, objective: objective).run(&model, context)
    }

    /// Frozen protocol: trains the head on the union of every environment seen so far.
    public static let protocols: [TrainingProtocol] = [.adaptive, .frozen]

    public mutating func trainHead(_ head: inout LinearHead, _ context: HeadStageContext) throws {
        try HeadTrainingLoop(sources: context.environments).run(&head, context)
    }
}
