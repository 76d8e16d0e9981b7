import Analysis
import Foundation
import Linalg
import ResultStore

/// The arithmetic behind the suite pages, done here rather than while drawing, so tests check
/// it against the runs (ReportFiguresTests) and a page only lays numbers out.
extension ReportData {
    /// Task-order robustness of one similarity setting: Last per order (mean over seeds) for
    /// each method, and the rank flips, (method pair, order) comparisons whose sign disagrees
    /// with the pooled means over all of the setting's cells.
    struct OrderRobustness {
        var methods: [String]
        var byOrder: [[(order: String, value: Double)]]
        var flips: Int
        var pairs: Int

        init(_ rs: [Run], methods: [String]) {
            self.methods = methods
            byOrder = methods.map { m in ReportData.byOrder(rs.filter { $0.record.methodLabel == m }, metric: .last) }
            let pooled = methods.map { m in Descriptive.mean(rs.filter { $0.record.methodLabel == m }.compactMap { $0.metric[.last] }) }
            let perOrder = byOrder.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.order, $0.value) }) }
            var flips = 0, pairs = 0
            for o in Array(Set(rs.map { $0.record.orderKey })).sorted() {
                for a in methods.indices {
                    for b in (a + 1)..<methods.count {
                        guard let va = perOrder[a][o], let vb = perOrder[b][o] else { continue }
                        pairs += 1
                        if (va - vb) * (pooled[a] - pooled[b]) < 0 { flips += 1 }
                    }
                }
            }
            self.flips = flips
            self.pairs = pairs
        }
    }

    /// One leaderboard row: a method's cells in a scope, each metric's mean with its bootstrap
    /// CI, the IQM of Last and the worst order (lowest Last averaged over seeds).
    struct LeaderboardRow {
        var method: String
        var n: Int
        var intervals: [ContinualMetric: Interval]
        var iqmLast: Double?
        var worstOrder: (order: String, value: Double)?
        /// By mean Last with tie groups (`TieGroups`): shared with the row above when their
        /// paired comparison does not separate them; `tied` when shared with a neighbour.
        var rank = 0
        var tied = false
        /// "2" or, in a tie group, "2=": what the rank column shows.
        var rankLabel: String { "\(rank)" + (tied ? "=" : "") }
    }

    /// The rows of a scope in rank order: by mean Last, highest first (equal means keep method
    /// order), each with its tie-group rank. `key` seeds the resamples, so each scope's
    /// intervals and ranks are reproducible.
    static func leaderboard(_ rs: [Run], methods: [String], metrics: [ContinualMetric], key: String) -> [LeaderboardRow] {
        let rows = methods.map { m -> LeaderboardRow in
            let mr = rs.filter { $0.record.methodLabel == m }
            let lasts = mr.compactMap { $0.metric[.last] }
            return LeaderboardRow(method: m, n: mr.count, intervals: intervals(mr, metrics: metrics, key: key + m),
                                  iqmLast: lasts.isEmpty ? nil : Descriptive.iqm(lasts),
                                  worstOrder: byOrder(mr, metric: .last).min(by: { $0.value < $1.value }))
        }
        let order = rows.indices.sorted { (rows[$0].intervals[.last]?.estimate ?? -1) > (rows[$1].intervals[.last]?.estimate ?? -1) }
        var ranked = order.map { rows[$0] }
        let settings = Array(Set(rs.map { "\($0.record.sv) \($0.record.sl)" })).sorted()
        let cells = ranked.map { row in
            Dictionary(rs.filter { $0.record.methodLabel == row.method }.compactMap { r in r.metric[.last].map { (matchedCell(r), $0) } },
                       uniquingKeysWith: { a, _ in a })
        }
        let ranking = TieGroups.rank(cells, stratum: { settings.firstIndex(of: String($0.split(separator: " ").prefix(2).joined(separator: " ")))! },
                                     bootstrap: { i in Bootstrap(resamples: 2000, key: RandomKey("report", .string(key), .string("tie"),
                                                                                                 .string(ranked[i - 1].method), .string(ranked[i].method))) })
        for i in ranked.indices { ranked[i].rank = ranking.ranks[i]; ranked[i].tied = ranking.tied[i] }
        return ranked
    }

    /// The cell a run fills regardless of its method: similarity setting, seed and order
    /// (sv and sl first: the tie groups' strata read them back).
    static func matchedCell(_ r: Run) -> String { "\(r.record.sv) \(r.record.sl) \(r.record.seed) \(r.record.orderKey)" }

    /// One bar of the contributions chart: the mean Shapley attribution of accuracy changes of
    /// the s-th environment of the order at stage t (s < t), over a method's runs.
    struct AttributionBar {
        var stage: Int
        var position: Int
        var mean: GroupValues
        var label: String { "stage \(stage), env. #\(position)" }
    }

    /// The (stage, earlier environment) attributions of runs: only environments trained
    /// before the stage, with their position in the run's order (1-based).
    static func earlierAttributions(_ run: Run) -> [(position: Int, attribution: RunRecord.AttributionRow)] {
        let position = Dictionary(uniqueKeysWithValues: run.record.order.enumerated().map { ($1, $0 + 1) })
        return run.record.attributions.compactMap { a in
            guard let s = position[a.environment], s < a.stage else { return nil }
            return (s, a)
        }
    }

    /// Mean attribution per (stage, position) over the runs, sorted by label.
    static func attributionBars(_ rs: [Run]) -> [AttributionBar] {
        var sums: [String: GroupValues] = [:], counts: [String: Int] = [:]
        var bars: [String: AttributionBar] = [:]
        for r in rs {
            for (s, a) in earlierAttributions(r) {
                let bar = AttributionBar(stage: a.stage, position: s, mean: .zero)
                let k = bar.label
                if sums[k] == nil { sums[k] = .zero; counts[k] = 0; bars[k] = bar }
                for g in ParameterGroup.allCases { sums[k]![group: g] += a.accuracy[group: g] }
                counts[k]! += 1
            }
        }
        return bars.keys.sorted().map { k in
            var bar = bars[k]!
            let n = Double(counts[k]!), s = sums[k]!
            bar.mean = GroupValues(vision: s.vision / n, language: s.language / n, shared: s.shared / n)
            return bar
        }
    }

    /// Per task order (sorted), the vision share |vision| / (|vision| + |language|) of the
    /// attributed change on earlier environments, summed over the order's runs; orders with no
    /// attributed change are left out.
    static func visionShares(_ rs: [Run]) -> [Double] {
        var shares: [Double] = []
        for o in Set(rs.map { $0.record.orderKey }).sorted() {
            var v = 0.0, l = 0.0
            for r in rs where r.record.orderKey == o {
                for (_, a) in earlierAttributions(r) {
                    v += abs(a.accuracy.vision); l += abs(a.accuracy.language)
                }
            }
            if v + l > 0 { shares.append(v / (v + l)) }
        }
        return shares
    }

    /// Every (earlier environment, stage) pair of the runs as an observation for the score
    /// regression: the six scores, the forgetting, the Shapley attribution of the earlier
    /// environment at that stage, the similarity setting as stratum and the run as cluster.
    func forgettingObservations(_ rs: [Run]) -> [ForgettingObservation] {
        var obs: [ForgettingObservation] = []
        let settings = settings(rs).map { "\($0.sv) \($0.sl)" }
        for r in rs {
            for c in r.record.contributions {
                let sh = r.record.attributions.first { $0.stage == c.stage && $0.environment == c.earlier }
                obs.append(ForgettingObservation(scores: [c.sv, c.sl, c.sxEarlierTrained, c.sxTrainedEarlier, c.driftVision, c.driftLanguage],
                                                 forgetting: c.forgetting, shapley: sh?.accuracy,
                                                 stratum: settings.firstIndex(of: "\(r.record.sv) \(r.record.sl)") ?? 0, cluster: Int(r.id)))
            }
        }
        return obs
    }

    /// The number of stages shown for a suite: rows 0 ... the largest stage of any run.
    static func stageCount(_ rs: [Run]) -> Int { (rs.flatMap { $0.record.accuracy.map(\.stage) }.max() ?? 0) + 1 }

    /// A run's mean held-out accuracy at each stage 0 ..< stages; nil where it has none.
    static func heldOutMeans(_ run: Run, stages: Int) -> [Double?] {
        var sums = [Double](repeating: 0, count: stages), counts = [Int](repeating: 0, count: stages)
        for a in run.record.accuracy where a.heldOut && a.stage < stages { sums[a.stage] += a.accuracy; counts[a.stage] += 1 }
        return (0..<stages).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : nil }
    }
}
