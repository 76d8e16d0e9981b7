import Foundation

/// How the leaderboard prints accuracy figures (fractions in the database): percentages with
/// one decimal by default, as the papers' tables do, or fractions with three
/// (`report --fraction`); `report --precision N` sets the decimals. Fixed precision: trailing
/// zeros are kept, so a column lines up and "70.0" does not read as a rounder number than "70.4".
public struct NumberStyle: Sendable, Equatable {
    public var percent: Bool
    public var digits: Int

    public init(percent: Bool = true, digits: Int? = nil) {
        self.percent = percent
        self.digits = min(max(digits ?? (percent ? 1 : 3), 0), 6)
    }

    /// An accuracy fraction (or a difference of two) as shown.
    public func format(_ fraction: Double) -> String { fixed(percent ? 100 * fraction : fraction, digits) }

    /// The unit sentence for a page.
    var unit: String {
        percent ? "Accuracy figures are percentages (fraction x 100) with \(digits) decimal(s); report --fraction shows fractions."
            : "Accuracy figures are fractions (0 to 1) with \(digits) decimal(s)."
    }
}

/// `v` rounded half away from zero to `digits` decimals, with its trailing zeros.
func fixed(_ v: Double, _ digits: Int) -> String {
    var s = fmt(v, digits)
    guard digits > 0 else { return s }
    if let dot = s.firstIndex(of: ".") {
        s += String(repeating: "0", count: digits - s.distance(from: s.index(after: dot), to: s.endIndex))
    } else {
        s += "." + String(repeating: "0", count: digits)
    }
    return s
}
