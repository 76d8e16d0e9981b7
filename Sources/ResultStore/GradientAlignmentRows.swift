import Analysis

/// The gradient alignment per stage (DESIGN.md section 10, CBF paragraph) read from stored
/// runs, one summary per (protocol, model, method label): the Paper checks page and
/// `clvbench analyze` both show it. Adaptive built-in runs stored with schema v11 or later only.
public struct GradientAlignmentSummary: Sendable {
    public struct Stage: Sendable {
        public var stage: Int
        /// Mean over runs of cos(s ⊙ g_new, g_old), 95% bootstrap CI resampling runs within
        /// similarity settings.
        public var cosine: Interval
        /// Mean over runs of the unscaled cosine (every group at factor 1).
        public var unscaledCosine: Double
        /// Mean over runs of each group's cosine.
        public var groupCosine: GroupValues
        public var runs: Int
    }

    public var group: PaperCheckGroup
    /// The runs behind the summary, by run key (sorted).
    public var runKeys: [String]
    /// Stages 2...T present in the runs, ascending.
    public var stages: [Stage]

    /// The summaries of `runs` (finished runs with alignment rows), sorted by group.
    public static func compute(runs: [RunRecord], bootstrap: Bootstrap = Bootstrap()) -> [GradientAlignmentSummary] {
        let usable = runs.filter { $0.status == .done && !$0.gradientAlignment.isEmpty }.sorted { $0.runKey < $1.runKey }
        let groups = Dictionary(grouping: usable, by: \.lossDriftGroup)
        return groups.keys.sorted().map { g in
            let rs = groups[g]!
            let settings = Array(Set(rs.map(\.settingKey))).sorted()
            let stageNumbers = Set(rs.flatMap { $0.gradientAlignment.map(\.stage) }).sorted()
            let stages = stageNumbers.map { k -> Stage in
                var rows: [GradientAlignment] = [], strata: [Int] = []
                for r in rs {
                    guard let a = r.gradientAlignment.first(where: { $0.stage == k }) else { continue }
                    rows.append(a.alignment)
                    strata.append(settings.firstIndex(of: r.settingKey)!)
                }
                let b = Bootstrap(resamples: bootstrap.resamples, confidence: bootstrap.confidence,
                                  key: bootstrap.key.child(.string("gradient-alignment"), .string(g.label), .int(k)))
                func mean(_ f: (GradientAlignment) -> Double) -> Double { Descriptive.mean(rows.map(f)) }
                return Stage(stage: k, cosine: b.interval(rows.map(\.cosine), strata: strata), unscaledCosine: mean(\.unscaledCosine),
                             groupCosine: GroupValues(vision: mean(\.groupCosine.vision), language: mean(\.groupCosine.language),
                                                      shared: mean(\.groupCosine.shared)),
                             runs: rows.count)
            }
            return GradientAlignmentSummary(group: g, runKeys: rs.map(\.runKey), stages: stages)
        }
    }
}

/// The paper's T2 claim about the balance factor, checked on stored runs: does `cbf` raise the
/// gradient alignment? Per (protocol, model, cbf label): (a) against `finetune` at the same λ,
/// matched by cell (similarity setting, seed, order), the difference of the cells' mean
/// alignment over stages; (b) within each cbf run, at the same weights, the factor-scaled
/// alignment minus the unscaled one (what plain fine-tuning's step would have had); (c) how
/// often the step reached the best tower mask's alignment (`GradientAlignment.bestMask`);
/// (d) for the binary variant, how often its mask was the better of the two single-tower masks.
public struct BalanceFactorCheck: Sendable {
    public var group: PaperCheckGroup
    /// (a): mean over matched cells of cbf − finetune, CI resampling cells within settings; nil
    /// without a finetune run to match.
    public var versusFinetune: Interval?
    public var matchedRunKeys: [String]
    /// (b): mean over cbf runs of their mean (cosine − unscaled cosine) over stages.
    public var gainOverUnscaled: Interval
    /// (c): stages whose alignment is at least the best tower mask's (to 1e-12), of `stages`.
    public var reachedBestMask: Int
    public var stages: Int
    /// (d): stages where one tower was masked and that mask's alignment is at least the other
    /// single-tower mask's (to 1e-12), of `maskedStages`: every stage of the binary variant, and
    /// those of the continuous one where a factor clamps to 0 (a negative cross-modal sum).
    public var pickedBetterTower: Int
    public var maskedStages: Int
    public var runKeys: [String]

    /// "raises", "lowers" or "does not change beyond the CI": the verdict of an interval.
    public static func verdict(_ i: Interval) -> String {
        i.low > 0 ? "raises" : i.high < 0 ? "lowers" : "does not change beyond its 95% CI"
    }

    public static func compute(runs: [RunRecord], bootstrap: Bootstrap = Bootstrap()) -> [BalanceFactorCheck] {
        let usable = runs.filter { $0.status == .done && !$0.gradientAlignment.isEmpty }.sorted { $0.runKey < $1.runKey }
        func meanCosine(_ r: RunRecord) -> Double { Descriptive.mean(r.gradientAlignment.map(\.alignment.cosine)) }
        func cell(_ r: RunRecord) -> String { "\(r.trainingProtocol) \(r.model) \(r.clipWeight) \(r.settingKey) \(r.seed) \(r.orderKey)" }
        let finetune = Dictionary(usable.filter { $0.methodFamily == "finetune" }.map { (cell($0), $0) }, uniquingKeysWith: { a, _ in a })
        let groups = Dictionary(grouping: usable.filter { $0.methodName == "cbf" }, by: \.lossDriftGroup)
        return groups.keys.sorted().map { g in
            let rs = groups[g]!
            let settings = Array(Set(rs.map(\.settingKey))).sorted()
            let key = bootstrap.key.child(.string("balance-factor"), .string(g.label))
            func boot(_ tag: String) -> Bootstrap { Bootstrap(resamples: bootstrap.resamples, confidence: bootstrap.confidence, key: key.child(.string(tag))) }
            var diffs: [Double] = [], diffStrata: [Int] = [], matched: [String] = []
            for r in rs {
                guard let f = finetune[cell(r)] else { continue }
                diffs.append(meanCosine(r) - meanCosine(f))
                diffStrata.append(settings.firstIndex(of: r.settingKey)!)
                matched.append(f.runKey)
            }
            let gains = rs.map { r in Descriptive.mean(r.gradientAlignment.map { $0.alignment.cosine - $0.alignment.unscaledCosine }) }
            let rows = rs.flatMap(\.gradientAlignment)
            let masked = rows.filter { ($0.alignment.scale.vision == 0) != ($0.alignment.scale.language == 0) }
            let picked = masked.filter { row in
                let single = GradientAlignment.towerMasks.dropFirst().map { row.alignment.cosine(scaledBy: $0) }
                return row.alignment.cosine >= single.max()! - 1e-12
            }
            return BalanceFactorCheck(
                group: g, versusFinetune: diffs.isEmpty ? nil : boot("finetune").interval(diffs, strata: diffStrata),
                matchedRunKeys: matched.sorted(),
                gainOverUnscaled: boot("unscaled").interval(gains, strata: rs.map { settings.firstIndex(of: $0.settingKey)! }),
                reachedBestMask: rows.filter { $0.alignment.cosine >= $0.alignment.bestMask.cosine - 1e-12 }.count,
                stages: rows.count, pickedBetterTower: picked.count, maskedStages: masked.count, runKeys: rs.map(\.runKey))
        }
    }
}

extension RunRecord {
    /// The similarity setting, as the summaries' strata name it.
    var settingKey: String { "\(sv) \(sl)" }
}
