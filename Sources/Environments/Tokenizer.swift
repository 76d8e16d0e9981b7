/// A word-level tokenizer over a world's grammar. Deterministic: ids follow the sorted word
/// list, after the padding (0) and unknown (1) tokens. Text is lower-cased and split on white
/// space, with , : ; . ! ? as tokens of their own.
public struct Tokenizer: Sendable, Equatable {
    public static let padding: Int32 = 0
    public static let unknown: Int32 = 1

    public let words: [String]
    public let maxLength: Int
    private let ids: [String: Int32]

    public init(words: [String], maxLength: Int = 16) {
        precondition(maxLength >= 1)
        var list = ["<pad>", "<unk>"]
        for w in Set(words.map { $0.lowercased() }).sorted() where w != "<pad>" && w != "<unk>" { list.append(w) }
        self.words = list
        self.maxLength = maxLength
        var m: [String: Int32] = [:]
        for (i, w) in list.enumerated() { m[w] = Int32(i) }
        ids = m
    }

    public var vocabularySize: Int { words.count }

    static let punctuation: Set<Character> = [",", ":", ";", ".", "!", "?"]

    public static func split(_ text: String) -> [String] {
        var out: [String] = []
        for raw in text.lowercased().split(whereSeparator: \.isWhitespace) {
            var current = ""
            for ch in raw {
                if punctuation.contains(ch) {
                    if !current.isEmpty { out.append(current); current = "" }
                    out.append(String(ch))
                } else {
                    current.append(ch)
                }
            }
            if !current.isEmpty { out.append(current) }
        }
        return out
    }

    /// Token ids padded (with 0) or truncated to `maxLength`.
    public func encode(_ text: String) -> [Int32] {
        var t = Self.split(text).prefix(maxLength).map { ids[$0] ?? Self.unknown }
        while t.count < maxLength { t.append(Self.padding) }
        return t
    }

    public func decode(_ tokens: [Int32]) -> String {
        tokens.filter { $0 != Self.padding }.map { words[Int($0)] }.joined(separator: " ")
    }
}
