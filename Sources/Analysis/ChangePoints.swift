import Foundation

/// Change points in a metric's history across commits: optimal partitioning (Jackson et al.
/// 2005) of the series into segments of constant mean, minimising squared error plus a penalty
/// per segment, in the spirit of asv's step detection.
///
/// The penalty is 3 sigma^2 ln(n), where sigma is the noise level estimated robustly from
/// consecutive differences (1.4826 MAD / sqrt 2), so a flat noisy series rarely yields a
/// change and a step of a few sigma does. O(n^2) time, fine for commit histories.
public enum ChangePoints {
    public struct Result: Equatable, Sendable {
        /// Indices where a new segment starts (never 0).
        public var changes: [Int]
        /// Mean of each segment, in order.
        public var segmentMeans: [Double]
        public var sigma: Double
        public var penalty: Double
    }

    /// Measured versions a series needs before change points are looked for.
    public static let defaultMinimumVersions = 5

    public static func detect(_ y: [Double], penalty: Double? = nil, minimumSegment: Int = 1) -> Result {
        let n = y.count
        guard n >= 2 else { return Result(changes: [], segmentMeans: y.isEmpty ? [] : [y[0]], sigma: 0, penalty: 0) }
        let sigma = noiseLevel(y)
        let beta = penalty ?? 3 * sigma * sigma * log(Double(n))
        // Prefix sums for O(1) segment cost.
        var s1 = [Double](repeating: 0, count: n + 1), s2 = s1
        for i in 0..<n { s1[i + 1] = s1[i] + y[i]; s2[i + 1] = s2[i] + y[i] * y[i] }
        func cost(_ a: Int, _ b: Int) -> Double {  // y[a..<b]
            let len = Double(b - a), s = s1[b] - s1[a]
            return max(0, (s2[b] - s2[a]) - s * s / len)
        }
        // best[b] = min over last segment start a of best[a] + beta + cost(a, b).
        var best = [Double](repeating: .infinity, count: n + 1)
        var start = [Int](repeating: 0, count: n + 1)
        best[0] = -beta
        let tolerance = 1e-12 * max(1, s2[n])
        for b in stride(from: minimumSegment, through: n, by: 1) {
            for a in stride(from: 0, through: b - minimumSegment, by: 1) where best[a].isFinite {
                let c = best[a] + beta + cost(a, b)
                // Strictly better by more than rounding: ties keep the earlier (fewer-segment) split.
                if c < best[b] - tolerance { best[b] = c; start[b] = a }
            }
        }
        var cuts: [Int] = []
        var b = n
        while b > 0 { cuts.append(start[b]); b = start[b] }
        cuts.reverse()  // starts of segments, first is 0
        let bounds = cuts + [n]
        let means = (0..<cuts.count).map { i in (s1[bounds[i + 1]] - s1[bounds[i]]) / Double(bounds[i + 1] - bounds[i]) }
        return Result(changes: Array(cuts.dropFirst()), segmentMeans: means, sigma: sigma, penalty: beta)
    }

    /// Change points of a series with gaps (nil or non-finite: not measured at that position),
    /// found over the measured values and returned as positions in the whole series. Fewer
    /// than `minimumVersions` measured values give none: with 3 or 4 points the noise level
    /// rests on 2 or 3 differences and a single noisy version reads as a step (issue 19).
    public static func changes(alongGaps y: [Double?], minimumVersions: Int = defaultMinimumVersions) -> [Int] {
        let present = y.indices.filter { y[$0]?.isFinite ?? false }
        guard present.count >= max(2, minimumVersions) else { return [] }
        return detect(present.map { y[$0]! }).changes.map { present[$0] }
    }

    /// Robust noise level from consecutive differences; a step adds one outlier difference,
    /// which the median absolute deviation ignores. When more than half the differences sit
    /// exactly at their median (values on a coarse grid), the MAD is 0 and would make every
    /// point a change; the mean absolute deviation (scaled to sigma for normal noise) stands in.
    static func noiseLevel(_ y: [Double]) -> Double {
        let d = zip(y.dropFirst(), y).map { $0 - $1 }
        let med = Descriptive.median(d)
        let deviations = d.map { abs($0 - med) }
        let mad = Descriptive.median(deviations)
        if mad > 0 { return 1.4826 * mad / 2.0.squareRoot() }
        return (Double.pi / 2).squareRoot() * Descriptive.mean(deviations) / 2.0.squareRoot()
    }
}

