import Linalg

/// A point estimate with a two-sided confidence interval.
public struct Interval: Equatable, Sendable, Codable {
    public var estimate: Double
    public var low: Double
    public var high: Double
    public var n: Int

    public func excludesZero() -> Bool { low > 0 || high < 0 }
}

/// Seeded percentile bootstrap. Resampling is stratified: each stratum (a similarity setting)
/// is resampled within itself with its own size, so every replicate keeps the design's balance.
public struct Bootstrap: Sendable {
    public var resamples: Int
    public var confidence: Double
    public var key: RandomKey

    public init(resamples: Int = 2000, confidence: Double = 0.95, key: RandomKey = RandomKey("bootstrap")) {
        precondition(resamples >= 1 && confidence > 0 && confidence < 1)
        self.resamples = resamples
        self.confidence = confidence
        self.key = key
    }

    /// CI of `statistic` over the values. `strata[i]` names the stratum of value i (nil: one stratum).
    public func interval(_ values: [Double], strata: [Int]? = nil,
                         statistic: ([Double]) -> Double = Descriptive.mean) -> Interval {
        test(values, strata: strata, statistic: statistic).interval
    }

    /// The CI and, from the same resamples, a two-sided bootstrap p-value for "the statistic is 0":
    /// p = min(1, 2 (1 + min(#{θ* ≤ 0}, #{θ* ≥ 0})) / (B + 1)). The +1 keeps p above 0 for a
    /// finite B; with it, a 95% interval that excludes 0 goes with p below about 0.05.
    public func test(_ values: [Double], strata: [Int]? = nil,
                     statistic: ([Double]) -> Double = Descriptive.mean) -> (interval: Interval, p: Double) {
        precondition(!values.isEmpty, "bootstrap of no values")
        let groups = Bootstrap.groups(count: values.count, strata: strata)
        var rng = RandomStream(key: key)
        var stats = [Double](repeating: 0, count: resamples)
        var sample = [Double](repeating: 0, count: values.count)
        for r in 0..<resamples {
            var k = 0
            for g in groups {
                for _ in 0..<g.count {
                    sample[k] = values[g[rng.smallInt(below: g.count)]]
                    k += 1
                }
            }
            stats[r] = statistic(sample)
        }
        let alpha = (1 - confidence) / 2
        stats.sort()
        let atMost = stats.filter { $0 <= 0 }.count, atLeast = stats.filter { $0 >= 0 }.count
        let p = min(1, 2 * Double(1 + min(atMost, atLeast)) / Double(resamples + 1))
        return (Interval(estimate: statistic(values), low: Descriptive.quantile(stats, alpha, alreadySorted: true),
                         high: Descriptive.quantile(stats, 1 - alpha, alreadySorted: true), n: values.count), p)
    }

    /// CIs of the means of several columns measured on the same records, from one set of
    /// resamples: each replicate draws records once and averages every column over them, so a
    /// page of metrics costs one pass of random draws instead of one per metric. Column c's
    /// interval is bit-identical to `interval(columns[c], strata:)` with the same key.
    public func meanIntervals(_ columns: [[Double]], strata: [Int]? = nil) -> [Interval] {
        guard let n = columns.first?.count else { return [] }
        precondition(n > 0, "bootstrap of no values")
        precondition(columns.allSatisfy { $0.count == n }, "columns of one record set have one length")
        let groups = Bootstrap.groups(count: n, strata: strata)
        let width = columns.count
        // Row-major copy, so a draw reads its record's values from one place.
        var table = [Double](repeating: 0, count: n * width)
        for (c, column) in columns.enumerated() { for i in 0..<n { table[i * width + c] = column[i] } }
        var rng = RandomStream(key: key)
        var stats = [Double](repeating: 0, count: resamples * width)  // replicate-major
        var sums = [Double](repeating: 0, count: width)
        table.withUnsafeBufferPointer { t in
            sums.withUnsafeMutableBufferPointer { s in
                for r in 0..<resamples {
                    for c in 0..<width { s[c] = 0 }
                    for g in groups {
                        for _ in 0..<g.count {
                            let row = g[rng.smallInt(below: g.count)] * width
                            for c in 0..<width { s[c] += t[row + c] }  // summed in draw order, as `mean` does
                        }
                    }
                    for c in 0..<width { stats[r * width + c] = s[c] / Double(n) }
                }
            }
        }
        let alpha = (1 - confidence) / 2
        return columns.indices.map { c in
            let replicates = (0..<resamples).map { stats[$0 * width + c] }.sorted()
            return Interval(estimate: Descriptive.mean(columns[c]), low: Descriptive.quantile(replicates, alpha, alreadySorted: true),
                            high: Descriptive.quantile(replicates, 1 - alpha, alreadySorted: true), n: n)
        }
    }

    /// Indices grouped by stratum, strata in order of first appearance (deterministic).
    static func groups(count: Int, strata: [Int]?) -> [[Int]] {
        guard let strata else { return [Array(0..<count)] }
        precondition(strata.count == count, "one stratum label per value")
        var order: [Int] = []
        var members: [Int: [Int]] = [:]
        for (i, s) in strata.enumerated() {
            if members[s] == nil { order.append(s) }
            members[s, default: []].append(i)
        }
        return order.map { members[$0]! }
    }

    /// Resampled row indices (for statistics over whole records, like regression coefficients).
    public func indexResamples(count: Int, strata: [Int]? = nil) -> [[Int]] {
        let groups = Bootstrap.groups(count: count, strata: strata)
        var rng = RandomStream(key: key)
        return (0..<resamples).map { _ in
            groups.flatMap { g in (0..<g.count).map { _ in g[rng.smallInt(below: g.count)] } }
        }
    }
}
