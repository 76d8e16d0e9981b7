/// Comparing methods and code versions.
public enum Comparison {
    /// P(X > Y) + P(X = Y) / 2 over independent draws, from the Mann-Whitney U statistic:
    /// the probability that method x beats method y on a random cell. For metrics where lower
    /// is better, pass the direction and "beats" means lower.
    public static func probabilityOfImprovement(_ x: [Double], over y: [Double],
                                                direction: MetricDirection = .higherIsBetter) -> Double {
        precondition(!x.isEmpty && !y.isEmpty, "probability of improvement needs values on both sides")
        // U from ranks of the pooled sample: U_x = R_x - n_x (n_x + 1) / 2.
        let sx = x.map { $0 * direction.sign }, sy = y.map { $0 * direction.sign }
        let r = Descriptive.ranks(sx + sy)
        let rx = r[0..<sx.count].reduce(0, +)
        let u = rx - Double(sx.count * (sx.count + 1)) / 2
        return u / Double(sx.count * sy.count)
    }

    /// A paired comparison of two code versions on identical cells.
    public struct Paired: Equatable, Sendable {
        /// head - base, with its bootstrap CI.
        public var difference: Interval
        /// Two-sided bootstrap p-value of "no mean difference", from the interval's resamples.
        public var p: Double
        /// Positive when head is better, in the metric's own units.
        public var improvement: Double
        /// Significant (CI excludes zero) and at least `threshold` worse; uncorrected for other
        /// metrics tested alongside (`VersionComparison` applies Holm to `p`).
        public var regression: Bool
        public var improved: Bool
    }

    /// Pairs `base[i]` with `head[i]`. A regression needs both: the CI of the mean difference
    /// excludes zero, and the change is worse by at least `threshold` (absolute, metric units).
    public static func paired(base: [Double], head: [Double], direction: MetricDirection,
                              threshold: Double, bootstrap: Bootstrap = Bootstrap()) -> Paired {
        precondition(base.count == head.count && !base.isEmpty, "paired comparison needs equal, non-empty lists")
        let diffs = zip(head, base).map { $0 - $1 }
        let (ci, p) = bootstrap.test(diffs)
        let improvement = ci.estimate * direction.sign
        let significant = ci.excludesZero()
        return Paired(difference: ci, p: p, improvement: improvement,
                      regression: significant && improvement <= -threshold,
                      improved: significant && improvement >= threshold)
    }

    /// Holm's step-down adjustment of p-values tested together (family-wise error control):
    /// sorted ascending, the i-th (from 0) of m is multiplied by m - i, made non-decreasing by a
    /// running maximum and capped at 1; returned in the input's order.
    public static func holm(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = p.indices.sorted { (p[$0], $0) < (p[$1], $1) }
        var adjusted = [Double](repeating: 0, count: m)
        var running = 0.0
        for (i, k) in order.enumerated() {
            running = max(running, min(1, Double(m - i) * p[k]))
            adjusted[k] = running
        }
        return adjusted
    }
}

/// How much of a metric's variance comes from each design factor.
public enum VarianceDecomposition {
    /// Share of the total sum of squares explained by each factor's group means (eta squared
    /// of its main effect); `residual` is what no single factor explains (interactions, noise).
    /// In a balanced design the main effects are orthogonal and the shares add up with the residual to 1.
    public static func shares(values: [Double], factors: [String: [String]]) -> (shares: [String: Double], residual: Double) {
        let m = Descriptive.mean(values)
        let total = values.map { ($0 - m) * ($0 - m) }.reduce(0, +)
        var shares: [String: Double] = [:]
        for (name, labels) in factors {
            precondition(labels.count == values.count, "factor \(name): one label per value")
            var sums: [String: (Double, Int)] = [:]
            for (v, l) in zip(values, labels) {
                let s = sums[l] ?? (0, 0)
                sums[l] = (s.0 + v, s.1 + 1)
            }
            var between = 0.0
            for (_, (s, n)) in sums {
                let gm = s / Double(n)
                between += Double(n) * (gm - m) * (gm - m)
            }
            shares[name] = total > 0 ? between / total : 0
        }
        return (shares, max(0, 1 - shares.values.reduce(0, +)))
    }
}
