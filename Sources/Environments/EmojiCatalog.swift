import Foundation

/// The emoji of Unicode's emoji-test.txt (Debian `unicode-data`) that one code point renders:
/// fully-qualified entries of a single code point, optionally followed by U+FE0F (which renders
/// as its base). Longer sequences need a text shaper and are left out.
public struct EmojiCatalog: Sendable, Equatable {
    public static let defaultPath = "/usr/share/unicode/emoji/emoji-test.txt"
    public static let debianPackage = "unicode-data"

    public struct Emoji: Sendable, Equatable, Hashable {
        /// The code point the font maps to a glyph (without the variation selector).
        public var codePoint: UInt32
        public var group: String
        public var subgroup: String
        /// The CLDR short name, e.g. "cat face".
        public var name: String
    }

    /// Kept emoji, in the file's (CLDR) order.
    public let emoji: [Emoji]
    /// Group names in the file's order, each with its subgroups in order (including groups
    /// whose emoji were all left out).
    public let groups: [(name: String, subgroups: [String])]

    public static func == (a: EmojiCatalog, b: EmojiCatalog) -> Bool {
        a.emoji == b.emoji && a.groups.map(\.name) == b.groups.map(\.name) && a.groups.map(\.subgroups) == b.groups.map(\.subgroups)
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    static let statuses: Set<String> = ["component", "fully-qualified", "minimally-qualified", "unqualified"]

    public init(path: String = EmojiCatalog.defaultPath) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParseError(description: "emoji data not found: \(path) cannot be read. "
                + (path == Self.defaultPath ? "Install Debian's packages \(EmojiFont.debianPackage) and \(Self.debianPackage): "
                    + "apt-get install \(EmojiFont.debianPackage) \(Self.debianPackage)" : "Point world.emoji_data at Unicode's emoji-test.txt"))
        }
        try self.init(text: String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses the file's text; `file` names it in messages (file:line: what was expected).
    public init(text: String, file: String) throws {
        var emoji: [Emoji] = [], groups: [(name: String, subgroups: [String])] = []
        var group: String?, subgroup: String?
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            func fail(_ m: String) -> ParseError { ParseError(description: "\(file):\(i + 1): \(m)") }
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if body.hasPrefix("group:") {
                    let name = body.dropFirst("group:".count).trimmingCharacters(in: .whitespaces)
                    guard !name.isEmpty else { throw fail("a group header without a name") }
                    groups.append((name, []))
                    group = name
                    subgroup = nil
                } else if body.hasPrefix("subgroup:") {
                    let name = body.dropFirst("subgroup:".count).trimmingCharacters(in: .whitespaces)
                    guard !name.isEmpty else { throw fail("a subgroup header without a name") }
                    guard group != nil else { throw fail("subgroup '\(name)' before any '# group:' line") }
                    groups[groups.count - 1].subgroups.append(name)
                    subgroup = name
                }
                continue
            }
            // codepoints ; status # emoji Eversion name
            let parts = line.split(separator: ";", maxSplits: 1)
            guard parts.count == 2 else { throw fail("expected 'code points ; status # emoji E<version> name', got '\(line)'") }
            var points: [UInt32] = []
            for hex in parts[0].split(separator: " ") {
                guard let v = UInt32(hex, radix: 16), Unicode.Scalar(v) != nil else { throw fail("'\(hex)' is not a hexadecimal code point") }
                points.append(v)
            }
            guard !points.isEmpty else { throw fail("no code points before ';'") }
            let rest = parts[1].split(separator: "#", maxSplits: 1)
            let status = rest[0].trimmingCharacters(in: .whitespaces)
            guard Self.statuses.contains(status) else {
                throw fail("unknown status '\(status)' (expected \(Self.statuses.sorted().joined(separator: ", ")))")
            }
            guard rest.count == 2 else { throw fail("missing '# emoji E<version> name' after the status") }
            // "😀 E1.0 grinning face": skip the emoji itself and the version.
            let words = rest[1].split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 3, words[1].hasPrefix("E"), Double(words[1].dropFirst()) != nil else {
                throw fail("expected '# emoji E<version> name' after the status, got '#\(rest[1])'")
            }
            guard let g = group, let s = subgroup else { throw fail("an emoji before any '# group:' and '# subgroup:' lines") }
            guard status == "fully-qualified" else { continue }
            guard points.count == 1 || (points.count == 2 && points[1] == 0xFE0F) else { continue }
            emoji.append(Emoji(codePoint: points[0], group: g, subgroup: s, name: words[2...].joined(separator: " ")))
        }
        guard !groups.isEmpty else { throw ParseError(description: "\(file): no '# group:' lines; is this emoji-test.txt?") }
        self.emoji = emoji
        self.groups = groups
    }

    public func emoji(inGroup g: String) -> [Emoji] { emoji.filter { $0.group == g } }
    public func emoji(inSubgroup s: String) -> [Emoji] { emoji.filter { $0.subgroup == s } }
    public var allSubgroups: [String] { groups.flatMap(\.subgroups) }
}
