import Linalg
import Model

/// Learning without forgetting (Li & Hoiem 2017), for a dual encoder: on the current images,
/// the previous checkpoint's softened predictions over the class prompts of every earlier
/// environment are distillation targets beside the current labels.
public struct LwF: ContinualMethod {
    public static let name = "lwf"
    public static let summary = "distillation from the previous checkpoint on current data"
    public static let parameters: [MethodParameter] = [
        MethodParameter("lambda", default: 1, range: 0...1000, help: "weight of the distillation term"),
        MethodParameter("temperature", default: 2, range: 0.1...100, help: "softmax temperature of the distillation"),
    ]

    let lambda: Float, temperature: Float
    let objective: TrainingObjective

    public init(validated p: [String: Double]) {
        objective = TrainingObjective(validated: p)
        lambda = Float(p["lambda"]!)
        temperature = Float(p["temperature"]!)
    }

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        var loop = FineTuneLoop(objective: objective)
        let earlier = context.environments.dropLast()
        if !earlier.isEmpty && lambda > 0 {
            let previous = model
            let prompts = earlier.flatMap(\.promptTokens)
            let (teacherPrompts, _) = previous.encodeText(prompts)
            let t = temperature, l = lambda
            loop.extra = { _, batches, terms, _ in
                let (v, _) = previous.encodeImages(batches[0])
                var logits = previous.logitScale * matmul(v, .none, teacherPrompts, .transposed)
                logits.scale(by: 1 / t)
                terms.append(ClassificationTerm(imageBatch: 0, promptTokens: prompts, targets: logits.softmaxRows(),
                                                temperature: t, weight: l))
            }
        }
        try loop.run(&model, context)
    }
}
