import Analysis

extension RunRecord.ConPairRow {
    /// The stored value of one of the paper's four scores.
    public func value(_ score: ConScore) -> Double {
        switch score {
        case .imageToText: conImageToText
        case .textToImage: conTextToImage
        case .imageToImage: conImageToImage
        case .textToText: conTextToText
        }
    }
}

/// The paper's four contribution scores at every checkpoint (#16 item 3) read from stored runs,
/// one summary per (protocol, model, method) and similarity setting, so per world: σ is a
/// property of a world's environments and does not pool across worlds. The Paper checks page
/// and `clvbench analyze --json` both show it. Runs stored with schema v10 or later only.
public struct ConCheckpointSummary: Sendable {
    public struct Stage: Sendable {
        public var stage: Int
        /// Mean of each score over every (run, ordered pair) at the stage.
        public var mean: [ConScore: Double]
        /// σ of each score: its population standard deviation over one run's ordered pairs at the
        /// stage (DESIGN.md section 10, as ConScores.spread), mean over the runs. At stage 0 it is
        /// the pretrained pass's σ (every run of a world shares the pretrained model).
        public var sigma: [ConScore: Double]
        public var runs: Int
        /// (run, ordered pair) rows behind the means.
        public var pairs: Int
    }

    public var group: PaperCheckGroup
    public var sv: Double
    public var sl: Double
    /// The runs behind the summary, by run key (sorted).
    public var runKeys: [String]
    /// Stages 0...T present in the runs, ascending.
    public var stages: [Stage]

    /// The summaries of `runs` (finished runs with four-score rows), sorted by group, then setting.
    public static func compute(runs: [RunRecord]) -> [ConCheckpointSummary] {
        let usable = runs.filter { $0.status == .done && !$0.conPairs.isEmpty }.sorted { $0.runKey < $1.runKey }
        struct Key: Hashable { var group: PaperCheckGroup, sv: Double, sl: Double }
        let groups = Dictionary(grouping: usable) { Key(group: $0.lossDriftGroup, sv: $0.sv, sl: $0.sl) }
        let keys = groups.keys.sorted { ($0.group, $0.sv, $0.sl) < ($1.group, $1.sv, $1.sl) }
        return keys.map { key in
            let rs = groups[key]!
            let stageNumbers = Set(rs.flatMap { $0.conPairs.map(\.stage) }).sorted()
            let stages = stageNumbers.map { k -> Stage in
                let perRun = rs.map { r in r.conPairs.filter { $0.stage == k } }.filter { !$0.isEmpty }
                let all = perRun.flatMap { $0 }
                var mean: [ConScore: Double] = [:], sigma: [ConScore: Double] = [:]
                for s in ConScore.allCases {
                    mean[s] = Descriptive.mean(all.map { $0.value(s) })
                    sigma[s] = Descriptive.mean(perRun.map { rows in populationSD(rows.map { $0.value(s) }) })
                }
                return Stage(stage: k, mean: mean, sigma: sigma, runs: perRun.count, pairs: all.count)
            }
            return ConCheckpointSummary(group: key.group, sv: key.sv, sl: key.sl, runKeys: rs.map(\.runKey), stages: stages)
        }
    }

    /// √(Σ(x − x̄)²/n), the formula of ConScores.spread.
    static func populationSD(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return 0 }
        let m = x.reduce(0, +) / Double(x.count)
        return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count)).squareRoot()
    }
}
