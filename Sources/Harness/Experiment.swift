import Continual
import Environments
import Foundation
import Linalg
import Model

/// Everything that determines a world, its pretrained model and the training of its cells,
/// in plain values, so the command line and suite files can fill it without knowing the
/// model's types.
public struct ExperimentSettings: Sendable {
    public var world = WorldDescription.procedural(ProceduralWorldConfig())
    public var model = ModelDescription()
    public var pretrain = PretrainConfig()
    public var budget = TrainingBudget()
    public var shapley = true
    public var cacheDirectory: URL? = URL(fileURLWithPath: "results/cache")

    public init() {}
}

/// A world and its pretrained model, ready to run cells.
public struct PreparedWorld: Sendable {
    public var data: WorldData
    public var pretrained: DualEncoder
    /// The pretrained model evaluated on every environment: row 0 of every cell.
    public var baseline: CheckpointEvaluation
    /// Training-image embeddings of the pretrained model, for the frozen protocol's stages.
    public let frozenEmbeddings = FrozenEmbeddingCache()

    public init(settings: ExperimentSettings, similarity: SimilaritySetting, log: ((String) -> Void)? = nil) throws {
        let world = try settings.world.makeWorld(similarity: similarity)
        // The pretraining mixture does not depend on the dials or the environment split, so
        // one pretrained model serves every similarity setting of a world.
        let (tokenizer, minilm) = try TextInputs.make(settings.model.text, world: world)
        let cache = settings.cacheDirectory.map { PretrainCache(directory: $0) }
        try cache?.prepare()
        pretrained = try Pretrained.model(world: world, description: settings.world, tokenizer: tokenizer, minilm: minilm,
                                          model: settings.model,
                                          pretrain: settings.pretrain, cache: cache, log: log)
        data = WorldData(world: world, tokenizer: tokenizer)
        baseline = CellRunner(data: data, budget: settings.budget, shapley: false).evaluateAll(pretrained)
    }

    /// Indices of the trained environments, in world order.
    public var trainedEnvironments: [Int] { data.heldOut.indices.filter { !data.heldOut[$0] } }

    /// Runs one cell. `order` names trained environments (by name); `method` a built-in method.
    public func runCell(settings: ExperimentSettings, order: [String], method: String, parameters: [String: Double],
                        seed: Int, trainingProtocol: TrainingProtocol = .adaptive) throws -> CellResult {
        var indices: [Int] = []
        for name in order {
            guard let i = data.names.firstIndex(of: name), !data.heldOut[i] else {
                throw MethodError("order names '\(name)', which is not a trained environment; trained: "
                    + trainedEnvironments.map { data.names[$0] }.joined(separator: ", "))
            }
            indices.append(i)
        }
        let m = try MethodCatalog.make(name: method, parameters: parameters)
        guard type(of: m).supports(trainingProtocol) else {
            throw MethodError("method '\(method)' does not run under protocol '\(trainingProtocol.rawValue)'")
        }
        let spec = MethodSpec(label: method, name: method, parameters: parameters, external: nil)
        let frozen = trainingProtocol == .frozen
        return try CellRunner(data: data, budget: settings.budget, shapley: settings.shapley && !frozen,
                              trainingProtocol: trainingProtocol, frozenEmbeddings: frozenEmbeddings)
            .run(order: indices, method: m, methodIdentity: frozen ? spec.identityWithoutObjective : spec.identity, seed: seed,
                 pretrained: pretrained, baseline: baseline)
    }
}
