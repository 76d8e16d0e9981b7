import Model

/// Fine-tuning with the language tower frozen: only the vision tower and logit scale learn.
public struct FreezeLanguage: ContinualMethod {
    public static let name = "freeze-language"
    public static let summary = "fine-tuning with the language tower frozen"
    public static let parameters: [MethodParameter] = []
    public init(validated: [String: Double]) {}

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        try FineTuneLoop(frozen: [.language]).run(&model, context)
    }
}
