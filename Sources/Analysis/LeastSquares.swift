/// Ordinary least squares with an intercept, solved through the normal equations in Double.
/// The predictor count is small (the six contribution scores), so this is exact enough and
/// needs nothing beyond a Cholesky-free Gaussian elimination with partial pivoting.
public struct LeastSquaresFit: Equatable, Sendable {
    /// intercept first, then one coefficient per predictor column.
    public var coefficients: [Double]
    public var rSquared: Double

    public func predict(_ x: [Double]) -> Double {
        coefficients[0] + zip(coefficients.dropFirst(), x).map(*).reduce(0, +)
    }
}

public enum LeastSquares {
    /// Fits y ~ 1 + X[:, columns]. Rows of `x` are observations. Collinear or constant
    /// predictors get coefficient 0 (their pivot is dropped) rather than a failure.
    /// `rows` selects (and may repeat) observations, as a bootstrap resample does, without
    /// copying them.
    public static func fit(x: [[Double]], y: [Double], columns: [Int]? = nil, rows: [Int]? = nil) -> LeastSquaresFit {
        precondition(x.count == y.count && !y.isEmpty, "least squares needs one row of predictors per observation")
        let cols = columns ?? Array(0..<(x.first?.count ?? 0))
        let p = cols.count + 1
        let index = rows ?? Array(0..<y.count)
        // Normal equations A beta = b with A = Z'Z, Z = [1, X]; one reused row buffer.
        var a = [Double](repeating: 0, count: p * p)
        var b = [Double](repeating: 0, count: p)
        var z = [Double](repeating: 1, count: p)
        for r in index {
            let row = x[r], target = y[r]
            for (k, c) in cols.enumerated() { z[k + 1] = row[c] }
            for i in 0..<p {
                b[i] += z[i] * target
                for j in 0..<p { a[i * p + j] += z[i] * z[j] }
            }
        }
        let beta = solve((0..<p).map { Array(a[($0 * p)..<(($0 + 1) * p)]) }, b)
        var my = 0.0
        for r in index { my += y[r] }
        my /= Double(index.count)
        var sse = 0.0, sst = 0.0
        for r in index {
            let row = x[r]
            var pred = beta[0]
            for (k, c) in cols.enumerated() { pred += beta[k + 1] * row[c] }
            sse += (y[r] - pred) * (y[r] - pred)
            sst += (y[r] - my) * (y[r] - my)
        }
        return LeastSquaresFit(coefficients: beta, rSquared: sst > 0 ? max(0, 1 - sse / sst) : 0)
    }

    /// Gaussian elimination with partial pivoting; near-zero pivots give a zero coefficient.
    static func solve(_ a0: [[Double]], _ b0: [Double]) -> [Double] {
        var a = a0, b = b0
        let n = b.count
        let scale = max(1e-300, a.enumerated().map { abs($0.element[$0.offset]) }.max() ?? 1)
        var pivotRow = [Int?](repeating: nil, count: n)
        var used = [Bool](repeating: false, count: n)
        for col in 0..<n {
            var best: Int?
            for r in 0..<n where !used[r] && abs(a[r][col]) > 1e-10 * scale {
                if best == nil || abs(a[r][col]) > abs(a[best!][col]) { best = r }
            }
            guard let pr = best else { continue }
            used[pr] = true
            pivotRow[col] = pr
            for r in 0..<n where r != pr && a[r][col] != 0 {
                let f = a[r][col] / a[pr][col]
                for c in 0..<n { a[r][c] -= f * a[pr][c] }
                b[r] -= f * b[pr]
            }
        }
        return (0..<n).map { col in pivotRow[col].map { b[$0] / a[$0][col] } ?? 0 }
    }
}
