import Foundation

/// Numbers in SVG and tables: rounded half away from zero to `digits` decimals, trailing zeros
/// dropped, never in exponent form; locale-independent and deterministic. Built from integer
/// digits: Swift's shortest round-trip printing and Foundation's formatting both dominated
/// rendering time (docs/performance.md).
func fmt(_ v: Double, _ digits: Int = 2) -> String {
    guard v.isFinite else { return "0" }
    let d = min(max(digits, 0), 6)
    let scale = [1.0, 10, 100, 1000, 10_000, 100_000, 1_000_000][d]
    let scaled = (v * scale).rounded()
    if scaled == 0 { return "0" }
    guard abs(scaled) < 9e18 else { return abs(v) < 9e18 ? String(Int64(v.rounded())) : "\(v)" }  // beyond Int64 after scaling
    let n = Int64(scaled)
    var magnitude = n.magnitude
    var bytes = [UInt8](repeating: 0, count: 28)
    var i = bytes.count
    var fraction = true
    var written = 0
    // Fraction digits from the right, skipping trailing zeros; then the integer part.
    while written < d {
        let digit = UInt8(magnitude % 10)
        magnitude /= 10
        written += 1
        if fraction && digit == 0 { continue }
        fraction = false
        i -= 1; bytes[i] = UInt8(ascii: "0") + digit
    }
    if !fraction { i -= 1; bytes[i] = UInt8(ascii: ".") }
    repeat {
        i -= 1; bytes[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
        magnitude /= 10
    } while magnitude > 0
    if n < 0 { i -= 1; bytes[i] = UInt8(ascii: "-") }
    return String(decoding: bytes[i...], as: UTF8.self)
}

/// A benchmark figure for a table: three decimals, or three significant digits in exponent form
/// below 0.01 (agreement figures are around 1e-7, which three decimals would show as 0).
func figure(_ v: Double) -> String {
    guard v.isFinite, v != 0, abs(v) < 0.01 else { return fmt(v, 3) }
    var exponent = Int(log10(abs(v)).rounded(.down))
    var mantissa = v / pow(10, Double(exponent))
    if abs((mantissa * 100).rounded()) >= 1000 { mantissa /= 10; exponent += 1 }  // 9.996e-5 -> 1e-4
    return fmt(mantissa, 2) + "e" + String(exponent)
}
