/// Spearman's ρ with a percentile bootstrap CI that resamples whole cells (T2: ρ(λ, CLV) over
/// the stages of cells trained at several λ). Stratify by the x value (λ) so every replicate
/// keeps every level of the dial; replicates where ρ is undefined (one side constant, up to
/// rounding: `Descriptive.isConstant`) are left out of the percentiles, and `defined` says how
/// many were kept. A constant series gives ρ NaN (n/a), never the rounding residue's "0".
public struct RankCorrelationInterval: Sendable, Equatable, Codable {
    public var rho: Interval
    public var defined: Int
    public var resamples: Int

    public static func spearman(_ x: [Double], _ y: [Double], clusters: [Int?]? = nil, strata: [Int]? = nil,
                                bootstrap: Bootstrap = Bootstrap()) -> RankCorrelationInterval {
        precondition(x.count == y.count, "Spearman needs two equal-length series")
        guard x.count > 1 else {
            return RankCorrelationInterval(rho: Interval(estimate: .nan, low: .nan, high: .nan, n: x.count), defined: 0,
                                           resamples: bootstrap.resamples)
        }
        let groups = ClusterResampling(clusters: clusters ?? x.indices.map { $0 }, strata: strata)
        var reps: [Double] = []
        for d in groups.resamples(bootstrap) {
            let rows = groups.observations(of: d)
            let r = Descriptive.correlationsOrUndefined(rows.map { x[$0] }, rows.map { y[$0] }).spearman
            if !r.isNaN { reps.append(r) }
        }
        let estimate = Descriptive.correlationsOrUndefined(x, y).spearman
        let alpha = (1 - bootstrap.confidence) / 2
        let low = reps.isEmpty ? Double.nan : Descriptive.quantile(reps, alpha)
        let high = reps.isEmpty ? Double.nan : Descriptive.quantile(reps, 1 - alpha)
        return RankCorrelationInterval(rho: Interval(estimate: estimate, low: low, high: high, n: x.count),
                                       defined: reps.count, resamples: bootstrap.resamples)
    }
}
