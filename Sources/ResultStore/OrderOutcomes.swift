import Analysis

extension RunRecord {
    /// The outcomes the ordering validation reads from a stored run: its Forgetting, BWT and Last,
    /// and the cumulative OOD AUROC after its last stage (schema v8; absent for external and older
    /// runs). One reading, so `clvbench analyze` and the task-order page validate the same numbers.
    public var orderOutcomes: [OrderOutcome: Double] {
        var o: [OrderOutcome: Double] = [:]
        if let f = metrics[ContinualMetric.forgetting.rawValue] ?? nil { o[.forgetting] = f }
        if let b = metrics[ContinualMetric.bwt.rawValue] ?? nil { o[.bwt] = b }
        if let l = metrics[ContinualMetric.last.rawValue] ?? nil { o[.last] = l }
        if let c = oodCumulative.first(where: { $0.stage == order.count }) { o[.oodAUROC] = c.auroc }
        return o
    }
}
