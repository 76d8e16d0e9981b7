import Model

/// Fine-tuning with the vision tower frozen: only the language tower and logit scale learn.
public struct FreezeVision: ContinualMethod {
    public static let name = "freeze-vision"
    public static let summary = "fine-tuning with the vision tower frozen"
    public static let parameters: [MethodParameter] = []
    public init(validated: [String: Double]) {}

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        try FineTuneLoop(frozen: [.vision]).run(&model, context)
    }
}
