import Model

/// Sequential fine-tuning: the baseline every continual method is measured against.
public struct Finetune: ContinualMethod {
    public static let name = "finetune"
    public static let summary = "sequential fine-tuning of both towers (the baseline)"
    public static let parameters: [MethodParameter] = []
    public init(validated: [String: Double]) {}

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        try FineTuneLoop().run(&model, context)
    }
}
