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
    public var shapley: [Double]?
    /// Stratum for the bootstrap (the similarity setting).
    public var stratum: Int

    public init(scores: [Double], forgetting: Double, shapley: [Double]? = nil, stratum: Int = 0) {
        precondition(scores.count == ScoreValidity.predictorNames.count, "six scores per observation")
        self.scores = scores
        self.forgetting = forgetting
        self.shapley = shapley
        self.stratum = stratum
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

        let samples = bootstrap.indexResamples(count: obs.count, strata: obs.map(\.stratum))
        var coefs = [[Double]](repeating: [], count: full.coefficients.count)
        for idx in samples {
            let f = LeastSquares.fit(x: idx.map { x[$0] }, y: idx.map { y[$0] })
            for (i, c) in f.coefficients.enumerated() { coefs[i].append(c) }
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
            let sv = attributed.map { abs($0[ParameterGroup.vision.rawValue]) }.reduce(0, +)
            let sl = attributed.map { abs($0[ParameterGroup.language.rawValue]) }.reduce(0, +)
            shapleyShare = sv + sl > 0 ? sv / (sv + sl) : 0.5
        }
        return ScoreValidity(n: obs.count, rSquared: full.rSquared, spearman: rho, coefficients: intervals,
                             familyShares: shares, scoreVisionShare: scoreShare, shapleyVisionShare: shapleyShare)
    }
}
