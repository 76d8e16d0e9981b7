import Foundation

/// BERT's uncased tokenizer, as Hugging Face `tokenizers` runs it for all-MiniLM-L6-v2
/// (tokenizer.json: BertNormalizer, BertPreTokenizer, WordPiece, [CLS] ... [SEP]):
/// 1. clean: drop NUL, U+FFFD and control characters; every whitespace character becomes a space;
/// 2. put spaces around CJK ideographs, so each is its own word;
/// 3. strip accents (NFD, then drop nonspacing marks), then lower-case;
/// 4. split on whitespace and around every punctuation character (ASCII punctuation or a
///    Unicode P* category);
/// 5. WordPiece each word: greedy longest match, continuations prefixed "##"; a word with no
///    full cover, or longer than 100 scalars, becomes [UNK];
/// 6. truncate to `maxLength - 2` tokens and add [CLS] and [SEP].
public struct BERTTokenizer: Sendable {
    public let vocabulary: [String]
    let ids: [String: Int32]
    public let cls: Int32, sep: Int32, unk: Int32, pad: Int32
    public let maxLength: Int
    public static let maxWordScalars = 100

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// `vocabulary[i]` is token id i (vocab.txt, one token a line).
    public init(vocabulary: [String], maxLength: Int = 512) throws {
        var ids: [String: Int32] = [:]
        for (i, t) in vocabulary.enumerated() where ids[t] == nil { ids[t] = Int32(i) }
        func special(_ s: String) throws -> Int32 {
            guard let id = ids[s] else { throw Error(description: "the vocabulary has no \(s) token") }
            return id
        }
        guard maxLength >= 2 else { throw Error(description: "maxLength \(maxLength) leaves no room for [CLS] and [SEP]") }
        self.vocabulary = vocabulary
        self.ids = ids
        cls = try special("[CLS]"); sep = try special("[SEP]"); unk = try special("[UNK]"); pad = try special("[PAD]")
        self.maxLength = maxLength
    }

    /// Reads vocab.txt (UTF-8, one token a line, trailing newline optional).
    public init(vocabularyFile url: URL, maxLength: Int = 512) throws {
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw Error(description: "\(url.path): cannot be read as UTF-8 text")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }, maxLength: maxLength)
    }

    /// Token ids of one text, with [CLS] and [SEP], at most `maxLength`.
    public func encode(_ text: String) -> [Int32] {
        var out: [Int32] = [cls]
        for word in Self.words(Self.normalize(text)) {
            for id in wordPiece(word) {
                guard out.count < maxLength - 1 else { return out + [sep] }
                out.append(id)
            }
        }
        return out + [sep]
    }

    /// The token strings of `ids` (for display).
    public func tokens(_ ids: [Int32]) -> [String] { ids.map { Int($0) < vocabulary.count && $0 >= 0 ? vocabulary[Int($0)] : "?" } }

    // MARK: normalisation

    static func normalize(_ text: String) -> [Unicode.Scalar] {
        var cleaned: [Unicode.Scalar] = []
        for c in text.unicodeScalars {
            if c.value == 0 || c.value == 0xFFFD || isControl(c) { continue }
            if isWhitespace(c) { cleaned.append(" "); continue }
            if isCJK(c) { cleaned.append(" "); cleaned.append(c); cleaned.append(" ") } else { cleaned.append(c) }
        }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: cleaned)
        let decomposed = String(s).decomposedStringWithCanonicalMapping
        var out: [Unicode.Scalar] = []
        for c in decomposed.unicodeScalars where c.properties.generalCategory != .nonspacingMark {
            let lower = c.properties.lowercaseMapping
            if lower.unicodeScalars.count == 1, lower.unicodeScalars.first == c { out.append(c) } else { out.append(contentsOf: lower.unicodeScalars) }
        }
        return out
    }

    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" { return false }
        switch c.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate, .unassigned: return true
        default: return false
        }
    }

    static func isCJK(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }

    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: break
        }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// Splits on whitespace (dropped) and around punctuation (kept, one character a word).
    static func words(_ s: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var out: [[Unicode.Scalar]] = [], cur: [Unicode.Scalar] = []
        for c in s {
            if isWhitespace(c) {
                if !cur.isEmpty { out.append(cur); cur = [] }
            } else if isPunctuation(c) {
                if !cur.isEmpty { out.append(cur); cur = [] }
                out.append([c])
            } else {
                cur.append(c)
            }
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }

    // MARK: WordPiece

    func wordPiece(_ word: [Unicode.Scalar]) -> [Int32] {
        guard word.count <= Self.maxWordScalars else { return [unk] }
        var out: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var piece = String.UnicodeScalarView()
                piece.append(contentsOf: word[start..<end])
                let candidate = (start > 0 ? "##" : "") + String(piece)
                if let id = ids[candidate] { found = id; break }
                end -= 1
            }
            guard let id = found else { return [unk] }
            out.append(id)
            start = end
        }
        return out
    }
}
