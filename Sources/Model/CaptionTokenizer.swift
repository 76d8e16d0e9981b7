import Foundation
import Linalg

/// How a text tower reads a caption: a row of `maxLength` token ids, real tokens first and 0
/// (padding) after them. Each text tower brings its own (the bag tower the world's words, MiniLM
/// its WordPiece vocabulary).
public protocol CaptionTokenizer: Sendable {
    var maxLength: Int { get }
    var vocabularySize: Int { get }
    /// What determines the ids; enters the pretraining cache key.
    var identity: String { get }
    func encode(_ text: String) -> [Int32]
}

/// BERT's WordPiece ids ([CLS] ... [SEP], truncated) padded with [PAD] = 0 to `maxLength`.
public struct WordPieceCaptions: CaptionTokenizer {
    public let tokenizer: BERTTokenizer

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public init(_ tokenizer: BERTTokenizer) throws {
        guard tokenizer.pad == 0 else {
            throw Error(description: "the vocabulary's [PAD] token has id \(tokenizer.pad); clvbench pads caption rows with 0")
        }
        self.tokenizer = tokenizer
    }

    public var maxLength: Int { tokenizer.maxLength }
    public var vocabularySize: Int { tokenizer.vocabulary.count }
    public var identity: String {
        "wordpiece \(tokenizer.maxLength) " + StableHasher.hex(tokenizer.vocabulary.joined(separator: "\n"))
    }

    public func encode(_ text: String) -> [Int32] {
        var ids = tokenizer.encode(text)
        while ids.count < maxLength { ids.append(0) }
        return ids
    }
}
