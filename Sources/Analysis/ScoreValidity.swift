import Linalg

/// The estimator's claim, checked: does forgetting f(s, t) follow the contribution scores?
/// (DESIGN.md section 5, last paragraph.)
public struct ForgettingObservation: Sendable {
    /// The predictors, in `ScoreValidity.predictorNames` order: SV, SL, SX(s,t), SX(t,s), DV, DL.
    public var scores: [Double]
    /// f(s, t) = R[t-1][s] - R[t][s].
    public var forgetting: Double
    /// Exact Shapley attribution of the accuracy change R[t][s] - R[t-1][s] to the vision,
    /// language and shared updates, when it was computed.
    public var shapley: GroupValues?
    /// Stratum for the bootstrap (the similarity setting).
    public var stratum: Int
    /// The cell (run) it came from: the bootstrap resamples whole cells, since the pairs of one
    /// cell are not independent. nil: the observation is its own cell.
    public var cluster: Int?

    public init(scores: [Double], forgetting: Double, shapley: GroupValues? = nil, stratum: Int = 0, cluster: Int? = nil) {
        precondition(scores.count == ScoreValidity.predictorNames.count, "six scores per observation")
        self.scores = scores
        self.forgetting = forgetting
        self.shapley = shapley
        self.stratum = stratum
        self.cluster = cluster
    }
}

public struct ScoreValidity: Sendable {
    public static let predictorNames = ["SV", "SL", "SX(s,t)", "SX(t,s)", "DV", "DL"]
    /// Predictor families for the split of explained variance.
    public static let families: [(name: String, columns: [Int])] = [
        ("vision", [0, 4]), ("language", [1, 5]), ("cross", [2, 3]),
    ]

    public var n: Int
    public var rSquared: Double
    /// Spearman rho between fitted and observed forgetting.
    public var spearman: Double
    /// Intercept then one per predictor, each with a bootstrap CI.
    public var coefficients: [Interval]
    /// Shapley decomposition of R^2 over the families, as shares of R^2 (sum to 1 when R^2 > 0).
    public var familyShares: [String: Double]
    /// Vision's share of the modality-attributed forgetting, from the scores (R^2 shares of the
    /// vision and language families) and from the exact Shapley attribution (|phi_V| / (|phi_V| + |phi_L|)).
    public var scoreVisionShare: Double
    public var shapleyVisionShare: Double?

    /// |score share - Shapley share|: 0 means the scores and the ground truth agree.
    public var shareDisagreement: Double? { shapleyVisionShare.map { abs($0 - scoreVisionShare) } }

    public static func analyse(_ obs: [ForgettingObservation], bootstrap: Bootstrap = Bootstrap()) -> ScoreValidity {
        precondition(obs.count >= 2, "score validity needs at least 2 observations")
        let x = obs.map(\.scores), y = obs.map(\.forgetting)
        let full = LeastSquares.fit(x: x, y: y)
        let fitted = x.map { full.predict($0) }
        let rho = Descriptive.spearman(fitted, y)

        // Cells, each with its share of the normal equations (Z'Z and Z'y), summed once; a
        // resample of cells then costs one sum per cell instead of one pass over its pairs.
        var clusterOf: [Int: Int] = [:]
        var clusterStratum: [Int] = []
        var members: [Int] = []
        for (i, o) in obs.enumerated() {
            let key = o.cluster ?? -(i + 1)
            if clusterOf[key] == nil { clusterOf[key] = clusterStratum.count; clusterStratum.append(o.stratum) }
            members.append(clusterOf[key]!)
        }
        let p = x[0].count + 1
        var za = [[Double]](repeating: [Double](repeating: 0, count: p * p), count: clusterStratum.count)
        var zb = [[Double]](repeating: [Double](repeating: 0, count: p), count: clusterStratum.count)
        for (i, row) in x.enumerated() {
            let c = members[i]
            let z = [1.0] + row
            for a in 0..<p {
                zb[c][a] += z[a] * y[i]
                for b in 0..<p { za[c][a * p + b] += z[a] * z[b] }
            }
        }
        var coefs = [[Double]](repeating: [], count: full.coefficients.count)
        for idx in bootstrap.indexResamples(count: clusterStratum.count, strata: clusterStratum) {
            var a = [Double](repeating: 0, count: p * p), b = [Double](repeating: 0, count: p)
            for c in idx {
                for k in 0..<(p * p) { a[k] += za[c][k] }
                for k in 0..<p { b[k] += zb[c][k] }
            }
            let beta = LeastSquares.solve((0..<p).map { Array(a[($0 * p)..<(($0 + 1) * p)]) }, b)
            for (i, v) in beta.enumerated() { coefs[i].append(v) }
        }
        let alpha = (1 - bootstrap.confidence) / 2
        let intervals = full.coefficients.enumerated().map { i, c in
            Interval(estimate: c, low: Descriptive.quantile(coefs[i], alpha),
                     high: Descriptive.quantile(coefs[i], 1 - alpha), n: obs.count)
        }

        let fam = families
        let phi = shapleyValues(players: fam.count) { mask in
            let cols = fam.indices.filter { mask & (1 << $0) != 0 }.flatMap { fam[$0].columns }
            return cols.isEmpty ? 0 : LeastSquares.fit(x: x, y: y, columns: cols.sorted()).rSquared
        }
        var shares: [String: Double] = [:]
        for (i, f) in fam.enumerated() { shares[f.name] = full.rSquared > 0 ? phi[i] / full.rSquared : 0 }
        let v = max(phi[0], 0), l = max(phi[1], 0)
        let scoreShare = v + l > 0 ? v / (v + l) : 0.5

        var shapleyShare: Double?
        let attributed = obs.compactMap(\.shapley)
        if attributed.count == obs.count {
            let sv = attributed.map { abs($0.vision) }.reduce(0, +)
            let sl = attributed.map { abs($0.language) }.reduce(0, +)
            shapleyShare = sv + sl > 0 ? sv / (sv + sl) : 0.5
        }
        return ScoreValidity(n: obs.count, rSquared: full.rSquared, spearman: rho, coefficients: intervals,
                             familyShares: shares, scoreVisionShare: scoreShare, shapleyVisionShare: shapleyShare)
    }
}
