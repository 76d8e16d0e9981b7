import Analysis
import Foundation
import Linalg
import ResultStore

extension SiteBuilder.Context {
    /// The paper's T3 on one similarity setting's runs: per (protocol, model, method) that ran all
    /// orders or at least 12, cost against forgetting, the table of the validation and a verdict.
    func ordering(_ main: Element, suite: String, _ rs: [ReportData.Run], sv: Double, sl: Double) {
        let protocols = Set(rs.map(\.record.trainingProtocol)).sorted()
        for proto in protocols {
          for model in Set(rs.map(\.record.model)).sorted() {
            guard let scores = builder.orderingScores[OrderingScoresKey(suite: suite, model: model, sv: sv, sl: sl)] else { continue }
            let costs = OrderCostVariant.all.map { OrderCost(scores: scores, variant: $0) }
            for method in Set(rs.map(\.storedMethod)).sorted() {
                let runs = rs.filter { $0.record.trainingProtocol == proto && $0.record.model == model && $0.storedMethod == method && $0.record.status == .done }
                // The outcomes analyze reads, the cumulative OOD AUROC included.
                let ordered = runs.map { OrderedRun(order: $0.record.order, seed: $0.record.seed, outcomes: $0.record.orderOutcomes) }
                // The resamples and key `clvbench analyze` uses by default, so page and JSON agree.
                let base = Bootstrap()
                let boot = Bootstrap(resamples: base.resamples, confidence: base.confidence,
                                     key: OrderingValidation.groupKey(base.key, protocol: proto, model: model, method: method, sv: sv, sl: sl))
                guard let v = OrderingValidation.analyse(ordered, costs: costs, bootstrap: boot), let f = v.analysis(.forgetting) else { continue }
                let protoLabel = protocols.count > 1 || proto != "adaptive" ? ", \(proto)" : ""
                main.add("h3", text: "Ordering (the paper's T3): \(method), \(model)\(protoLabel)")
                explain(main, "\(v.orderCount) orders\(v.complete ? " (all)" : "") × \(v.seeds.count) seeds. Verdict: \(v.verdict).")
                Charts.orderingScatter(main, label: "Order cost against forgetting, \(method), \(model)", yLabel: "Forgetting (mean over seeds)", analysis: f)
                let table = main.add("table")
                let head = table.add("tr")
                for h in ["outcome", "Pearson (cost, outcome)", "Spearman", "best order", "worst order", "ratio", "guided order", "guided rank", "regret vs best", "regret vs mean order"] {
                    head.add("th", text: h)
                }
                for a in v.analyses {
                    let row = table.add("tr")
                    row.add("td", text: a.outcome.rawValue + (a.outcome.lowerIsBetter ? " (lower is better)" : ""))
                    Self.addCorrelation(row, a.pearson)
                    Self.addCorrelation(row, a.spearman)
                    for o in [a.best, a.worst] { Self.addInterval(row, o.outcome, prefix: "\(o.order.joined(separator: ">")): ") }
                    if a.ratio.isFinite {
                        row.add("td", text: fmt(a.ratio, 2) + "x").add("span", ["class": "ci"], text: " [\(fmt(a.ratioInterval.low, 2)), \(fmt(a.ratioInterval.high, 2))]")
                    } else {
                        row.add("td", text: "n/a")
                    }
                    Self.addInterval(row, a.guided.outcome, prefix: "\(a.guided.order.joined(separator: ">")): ")
                    row.add("td", text: "\(a.guidedRank) of \(v.orderCount)")
                    Self.addInterval(row, a.regretVsBest)
                    Self.addInterval(row, a.regretVsMean)
                }
                let vt = main.add("table")
                let vh = vt.add("tr")
                for h in ["cost variant", "formula", "Spearman (cost, forgetting)"] { vh.add("th", text: h) }
                for (variant, rho) in v.variantSpearman {
                    let row = vt.add("tr")
                    row.add("td", text: variant.name + (variant == v.bestVariant ? " (predicts best)" : ""))
                    row.add("td", text: variant.formula)
                    Self.addCorrelation(row, rho)
                }
                explain(main, "The paper (digest, frozen protocol, all 120 orders of 5 environments, 3 seeds): COCO best/worst F_π ratio 1.69-1.79x with Pearson(cost, F_π) -0.08 to -0.14; CUB ratio ≈1.16x, Pearson +0.16 to +0.25. CIs: an order's mean over its seeds; correlations resample orders; regrets and the best/worst ratio resample seeds. Definitions: docs/metrics.md, \"Ordering validation\".")
            }
          }
        }
    }
}

extension SiteBuilder.Context {
    /// A correlation with its CI; "n/a" where it is undefined (the outcome or the cost is the
    /// same for every order), as in the verdict and `analyze` (JSON null), never a rounded 0.
    static func addCorrelation(_ row: Element, _ i: Interval) {
        guard i.estimate.isFinite else {
            row.add("td", ["title": "undefined: one side is the same for every order"], text: "n/a")
            return
        }
        addInterval(row, i)
    }
}
