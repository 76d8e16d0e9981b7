/// Names and labels end up in SQLite, XHTML pages, Atom feeds, terminals and file names. Text that
/// could cut them (NUL), break them (C0/C1 controls, escape sequences) or disguise them (bidi
/// overrides such as U+202E) is refused where it is read, naming the field.
public enum TextCheck {
    /// The longest name or label accepted, in characters.
    public static let maximumNameLength = 100

    /// Characters that reorder the text around them (Unicode bidi embeddings, overrides, isolates, marks).
    static let bidiControls: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                            0x2066, 0x2067, 0x2068, 0x2069]

    /// Why `text` cannot be a name or label, or nil when it can.
    public static func nameProblem(_ text: String) -> String? {
        if text.isEmpty { return "is empty" }
        if text.count > maximumNameLength { return "must be at most \(maximumNameLength) characters, got \(text.count)" }
        return characterProblem(text)
    }

    /// The first control or bidi character of `text`, or nil. With `lineBreaks`, tab and newline
    /// are allowed (free text such as a description).
    public static func characterProblem(_ text: String, lineBreaks: Bool = false) -> String? {
        for (i, s) in text.unicodeScalars.enumerated() {
            let v = s.value
            if lineBreaks && (v == 0x09 || v == 0x0A) { continue }
            if v < 0x20 || (0x7F...0x9F).contains(v) { return "contains control character \(hex(v)) at position \(i + 1)" }
            if bidiControls.contains(v) { return "contains bidirectional control character \(hex(v)) at position \(i + 1)" }
        }
        return nil
    }

    /// A NUL would cut the text short wherever it reaches C (execve, SQLite's text functions).
    public static func nulProblem(_ text: String) -> String? {
        text.unicodeScalars.firstIndex(of: "\0").map { "contains control character U+0000 at position \(text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: $0) + 1)" }
    }

    static func hex(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}

extension TextCheck {
    /// `text` with every control and bidi character written as \u{XXXX}, for echoing a refused
    /// value in a message without letting it act on the terminal.
    public static func visible(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars {
            let v = s.value
            if v < 0x20 || (0x7F...0x9F).contains(v) || bidiControls.contains(v) {
                out += "\\u{" + String(v, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(s)
            }
        }
        return out
    }
}
