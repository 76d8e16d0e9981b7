import Linalg
import Model

/// Experience replay with a reservoir buffer (Vitter's algorithm R over every training sample
/// seen): each step adds a batch drawn from the buffer, each replayed sample scored against
/// its own environment's class prompts.
public struct Replay: ContinualMethod {
    public static let name = "replay"
    public static let summary = "experience replay from a reservoir buffer"
    public static let parameters: [MethodParameter] = [
        MethodParameter("buffer", default: 500, range: 1...1_000_000, integer: true, help: "buffer size in samples"),
        MethodParameter("replay_batch", default: 32, range: 1...4096, integer: true, help: "replayed samples per step"),
        MethodParameter("weight", default: 1, range: 0...100, help: "weight of the replay loss beside the current loss"),
    ]

    let capacity: Int, replayBatch: Int, weight: Float
    /// (index of the environment in the stage context, row in its training images)
    private(set) var buffer: [(env: Int, row: Int)] = []
    private var seen = 0
    let objective: TrainingObjective

    public init(validated p: [String: Double]) {
        objective = TrainingObjective(validated: p)
        capacity = Int(p["buffer"]!)
        replayBatch = Int(p["replay_batch"]!)
        weight = Float(p["weight"]!)
    }

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        var loop = FineTuneLoop(objective: objective)
        let stored = buffer, envs = context.environments, rb = replayBatch, w = weight
        if !stored.isEmpty && w > 0 {
            loop.extra = { _, batches, terms, rng in
                let picked = (0..<min(rb, stored.count)).map { _ in stored[rng.int(below: stored.count)] }
                for e in Set(picked.map(\.env)).sorted() {
                    let rows = picked.filter { $0.env == e }.map(\.row)
                    batches.append(envs[e].trainImages.gatherRows(rows))
                    terms.append(ClassificationTerm(
                        imageBatch: batches.count - 1, promptTokens: envs[e].promptTokens,
                        targets: oneHot(rows.map { envs[e].trainLabels[$0] }, classes: envs[e].classCount),
                        weight: w * Float(rows.count) / Float(picked.count)))
                }
            }
        }
        try loop.run(&model, context)
        // Reservoir update with this stage's samples.
        var rng = RandomStream(key: context.key.child("reservoir"))
        let env = context.environments.count - 1
        for row in 0..<context.current.trainImages.rows {
            seen += 1
            if buffer.count < capacity {
                buffer.append((env, row))
            } else {
                let j = rng.int(below: seen)
                if j < capacity { buffer[j] = (env, row) }
            }
        }
    }
}
