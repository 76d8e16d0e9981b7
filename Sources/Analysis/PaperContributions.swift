/// The paper's four contribution scores (DESIGN.md section 10) between ordered pairs of
/// environments, from their embedding summaries at one checkpoint. They are section 5's SV, SL
/// and SX under the paper's names; both cross-modal directions are kept apart because the paper
/// regresses on each.
public enum ConScore: String, CaseIterable, Sendable, Codable {
    /// Con_I→T(a,b) = mV(a)·mL(b): a's images against b's captions.
    case imageToText = "Con_I→T"
    /// Con_T→I(a,b) = mL(a)·mV(b) = Con_I→T(b,a).
    case textToImage = "Con_T→I"
    /// Con_I→I(a,b) = mV(a)·mV(b).
    case imageToImage = "Con_I→I"
    /// Con_T→T(a,b) = mL(a)·mL(b).
    case textToText = "Con_T→T"

    /// The paper's name, as pages and exports show it.
    public var paperName: String { rawValue }
    /// An ASCII spelling for CSV headers and JSON keys: con_i_t, con_t_i, con_i_i, con_t_t.
    public var key: String {
        switch self {
        case .imageToText: "con_i_t"
        case .textToImage: "con_t_i"
        case .imageToImage: "con_i_i"
        case .textToText: "con_t_t"
        }
    }

    /// The score of environment a towards environment b.
    public func value(_ a: EmbeddingSummary, _ b: EmbeddingSummary) -> Double {
        switch self {
        case .imageToText: dot(a.imageMean, b.captionMean)
        case .textToImage: dot(a.captionMean, b.imageMean)
        case .imageToImage: dot(a.imageMean, b.imageMean)
        case .textToText: dot(a.captionMean, b.captionMean)
        }
    }
}

/// All four scores for every ordered pair (a, b), a ≠ b, of a list of environments.
public struct ConScores: Equatable, Sendable, Codable {
    public var environments: [String]
    /// values[score][a][b]; the diagonal is NaN (the paper's scores are between environments).
    public var values: [ConScore: [[Double]]]

    public init(environments: [String], summaries: [EmbeddingSummary]) {
        precondition(environments.count == summaries.count, "one summary per environment")
        self.environments = environments
        var v: [ConScore: [[Double]]] = [:]
        for score in ConScore.allCases {
            v[score] = summaries.indices.map { a in
                summaries.indices.map { b in a == b ? .nan : score.value(summaries[a], summaries[b]) }
            }
        }
        values = v
    }

    public func value(_ score: ConScore, _ a: Int, _ b: Int) -> Double { values[score]![a][b] }

    /// The values over ordered pairs a ≠ b, row by row.
    public func offDiagonal(_ score: ConScore) -> [Double] {
        let m = values[score]!
        return m.indices.flatMap { a in m.indices.filter { $0 != a }.map { m[a][$0] } }
    }

    /// σ of a score: its population standard deviation over the ordered pairs (our reading of the
    /// paper's σ; with ddof 0 a symmetric score counted in both orders has the spread of its
    /// unordered pairs). 0 with fewer than two environments.
    public func spread(_ score: ConScore) -> Double {
        let x = offDiagonal(score)
        guard !x.isEmpty else { return 0 }
        let m = x.reduce(0, +) / Double(x.count)
        return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count)).squareRoot()
    }
}
