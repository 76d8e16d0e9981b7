import Analysis

/// The OOD outcome (#16 item 6) read from stored runs, one summary per (protocol, model, method)
/// group: the Paper checks page and `clvbench analyze --json` both show it, from the same
/// resamples. Built-in runs stored with schema v8 or later only (others have no OOD rows).
public struct OODSummary: Sendable {
    public struct Stage: Sendable {
        public var stage: Int
        /// Mean over runs of the cumulative AUROC after the stage, 95% bootstrap CI resampling
        /// runs within similarity settings; nil at stage 0 (nothing trained yet) and in worlds
        /// without held-out environments.
        public var cumulative: Interval?
        /// Mean of the pairwise AUROC over every (run, ordered pair) at the stage, and that count.
        public var pairwiseMean: Double
        public var pairs: Int
    }

    public var group: PaperCheckGroup
    public var runs: Int
    /// Stages 0...T present in the runs, ascending.
    public var stages: [Stage]
    /// Pearson over every (run, ordered pair) at the pretrained checkpoint (stage 0) between
    /// Con_I→T(a, b) and AUROC(a, b); NaN with fewer than 3 points or a constant side.
    public var pearsonPretrained: Double
    public var pretrainedPairs: Int

    /// The groups of `runs` (finished built-in runs with OOD rows), sorted.
    public static func compute(runs: [RunRecord], bootstrap: Bootstrap = Bootstrap()) -> [OODSummary] {
        // By run key, not by storage order, so the intervals do not depend on which worker stored first.
        let usable = runs.filter { $0.status == .done && !$0.external && !$0.oodPairs.isEmpty }.sorted { $0.runKey < $1.runKey }
        let groups = Dictionary(grouping: usable, by: \.lossDriftGroup)
        return groups.keys.sorted().map { g in
            let rs = groups[g]!
            let settings = Array(Set(rs.map { "\($0.sv) \($0.sl)" })).sorted()
            let stageNumbers = Set(rs.flatMap { $0.oodPairs.map(\.stage) + $0.oodCumulative.map(\.stage) }).sorted()
            let stages = stageNumbers.map { k -> Stage in
                var values: [Double] = [], strata: [Int] = []
                for r in rs {
                    guard let c = r.oodCumulative.first(where: { $0.stage == k }) else { continue }
                    values.append(c.auroc)
                    strata.append(settings.firstIndex(of: "\(r.sv) \(r.sl)")!)
                }
                let b = Bootstrap(resamples: bootstrap.resamples, confidence: bootstrap.confidence,
                                  key: bootstrap.key.child(.string("ood"), .string(g.label), .int(k)))
                let pairs = rs.flatMap { $0.oodPairs.filter { $0.stage == k }.map(\.auroc) }
                return Stage(stage: k, cumulative: values.isEmpty ? nil : b.interval(values, strata: strata),
                             pairwiseMean: pairs.isEmpty ? .nan : Descriptive.mean(pairs), pairs: pairs.count)
            }
            let zero = rs.flatMap { $0.oodPairs.filter { $0.stage == 0 } }
            let pearson = zero.count >= 3 ? Descriptive.pearson(zero.map(\.conImageToText), zero.map(\.auroc)) : .nan
            return OODSummary(group: g, runs: rs.count, stages: stages, pearsonPretrained: pearson, pretrainedPairs: zero.count)
        }
    }
}
