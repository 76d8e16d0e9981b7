import Foundation

/// Stored text made safe to show: a label or message from a database may hold control
/// characters (an escape sequence would drive the terminal, a C0 byte makes XHTML malformed)
/// or bidirectional overrides (U+202E reverses what follows). Each such scalar is shown as
/// U+FFFD, so the text stays readable and nothing hidden reaches the reader.
public enum DisplayText {
    /// True for scalars never shown as they are: C0 controls except tab, line feed and carriage
    /// return; DEL and C1 controls; bidirectional embeddings, overrides, isolates and marks.
    public static func isHidden(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `s` with every hidden scalar replaced by U+FFFD; `singleLine` also replaces line breaks
    /// and tabs (a table cell or a terminal column).
    public static func neutralised(_ s: String, singleLine: Bool = false) -> String {
        guard s.unicodeScalars.contains(where: { isHidden($0) || (singleLine && $0.value < 0x20) }) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if isHidden(u) { out.append("\u{FFFD}") } else if singleLine && u.value < 0x20 { out.append(" ") } else { out.append(u) }
        }
        return String(out)
    }
}
