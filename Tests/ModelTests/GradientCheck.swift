import Linalg
@testable import Model

/// Central finite differences against analytic gradients, in Float32.
///
/// Tolerance argument: the forward pass runs in Float32 (unit round-off u = 6e-8) and the
/// scalar loss is O(1), so a central difference with step h = 1e-3 carries a rounding error of
/// about u |L| / h = 6e-5 and a truncation error of about h^2 |L'''| = 1e-6. A check passes
/// when |numeric - analytic| <= 5e-4 + 2e-2 |analytic|: ten times the expected error, and far
/// below what a wrong sign, a missing term or a transposed index produces (errors of order
/// |analytic|). Inputs of ReLU layers are kept away from the kink by construction.
enum GradientCheck {
    static let h: Float = 1e-3

    static func agrees(_ numeric: Double, _ analytic: Double) -> Bool {
        abs(numeric - analytic) <= 5e-4 + 2e-2 * abs(analytic)
    }

    /// Indices to probe in a tensor of `count` values: all of a small one, a spread of a big one.
    static func probes(_ count: Int, limit: Int = 12) -> [Int] {
        count <= limit ? Array(0..<count) : (0..<limit).map { $0 * (count - 1) / (limit - 1) }
    }

    /// For each probed entry of `m`, the central difference of `loss` when that entry moves.
    static func numeric(_ m: Matrix, indices: [Int], step: Float = h, loss: (Matrix) -> Double) -> [Double] {
        indices.map { i in
            var plus = m, minus = m
            plus.storage[i] += step
            minus.storage[i] -= step
            return (loss(plus) - loss(minus)) / Double(2 * step)
        }
    }

    /// Sum of r * y in Double: a scalar loss whose gradient with respect to y is r.
    static func weightedSum(_ y: Matrix, _ r: Matrix) -> Double {
        var s = 0.0
        for i in 0..<y.count { s += Double(y.storage[i]) * Double(r.storage[i]) }
        return s
    }

    /// Random values whose magnitude is at least `margin`, so ReLU inputs avoid the kink.
    static func awayFromZero(_ rows: Int, _ cols: Int, _ rng: inout RandomStream, margin: Float = 0.05) -> Matrix {
        var m = rng.normalMatrix(rows: rows, cols: cols)
        for i in 0..<m.count where abs(m.storage[i]) < margin { m.storage[i] = m.storage[i] < 0 ? -margin - 0.05 : margin + 0.05 }
        return m
    }
}
