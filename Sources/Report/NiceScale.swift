import Foundation

/// An axis range widened to round tick values 1, 2 or 5 × 10^k apart, so tick labels read
/// 0.6, 0.7, 0.8 rather than 0.63, 0.7, 0.78.
struct NiceScale: Equatable {
    var lo: Double
    var hi: Double
    var step: Double
    /// The tick values from `lo` to `hi`, each an integer multiple of `step`.
    var ticks: [Double]
    /// Decimals that print every tick exactly (0 for steps ≥ 1).
    var digits: Int

    /// The smallest 1-2-5 step giving at most `maxTicks` intervals over [lo, hi]; the range is
    /// then widened outwards to multiples of the step. A degenerate range becomes ±0.5 × 10^k.
    init(lo rawLo: Double, hi rawHi: Double, maxTicks: Int = 5) {
        var a = rawLo.isFinite ? rawLo : 0, b = rawHi.isFinite ? rawHi : 1
        if a > b { swap(&a, &b) }
        if b - a < 1e-12 {
            let pad = a == 0 ? 0.5 : 0.5 * pow(10, floor(log10(abs(a))))
            a -= pad; b += pad
        }
        let raw = (b - a) / Double(max(maxTicks, 1))
        let exponent = floor(log10(raw))
        let magnitude = pow(10, exponent)
        // Cover the range with at most maxTicks intervals after widening to step multiples.
        var chosen = 10 * magnitude
        var chosenExponent = exponent + 1
        for (m, e) in [(1.0, exponent), (2.0, exponent), (5.0, exponent), (10.0, exponent + 1)] {
            let s = m * magnitude
            let intervals = (b / s - 1e-9).rounded(.up) - (a / s + 1e-9).rounded(.down)
            if intervals <= Double(max(maxTicks, 1)) { chosen = s; chosenExponent = e; break }
        }
        step = chosen
        let first = (a / chosen + 1e-9).rounded(.down), last = (b / chosen - 1e-9).rounded(.up)
        lo = first * chosen
        hi = last * chosen
        ticks = stride(from: first, through: last, by: 1).map { $0 * chosen }
        digits = max(0, Int(-chosenExponent))
    }
}
