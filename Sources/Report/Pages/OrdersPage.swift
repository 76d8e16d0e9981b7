import Analysis
import Foundation
import Linalg
import ResultStore

extension SuitePage {
    static let orders = SuitePage(
        title: "Task-order robustness", link: "Task orders", file: "orders",
        explanation: "How much the answer depends on the order of the environments. Each dot is one order (Last averaged over seeds); the best and worst orders are named; a rank flip is a pair of methods whose order in one task order disagrees with their order over all cells.",
        render: { ctx, main, suite, runs in try ctx.orders(main, suite: suite, runs) })
}

extension SiteBuilder.Context {
    /// Per similarity setting: Last per task order by method, the best and worst orders, and rank flips.
    func orders(_ main: Element, suite: String, _ cur: [ReportData.Run]) throws {
        let methods = data.methods(cur)
        for s in data.settings(cur) {
            let rs = cur.filter { $0.record.sv == s.sv && $0.record.sl == s.sl }
            let robustness = ReportData.OrderRobustness(rs, methods: methods)
            let byOrder = robustness.byOrder
            main.add("h2", text: "sv = \(fmt(s.sv)), sl = \(fmt(s.sl))")
            Charts.strip(main, label: "Last per task order, by method", xLabel: "method (one dot per task order)", yLabel: "Last (fraction, mean of seeds)",
                         groups: zip(methods, byOrder).map { ($0, $1.map(\.value), nil) })
            let table = main.add("table")
            let head = table.add("tr")
            for h in ["method", "best order", "Last", "worst order", "Last", "spread"] { head.add("th", text: h) }
            for (m, bo) in zip(methods, byOrder) {
                guard let best = bo.max(by: { $0.value < $1.value }), let worst = bo.min(by: { $0.value < $1.value }) else { continue }
                let row = table.add("tr")
                methodCell(row, m)
                row.add("td", text: best.order); row.add("td", text: fmt(best.value, 3))
                row.add("td", text: worst.order); row.add("td", text: fmt(worst.value, 3))
                row.add("td", text: fmt(best.value - worst.value, 3))
            }
            let (flips, pairs) = (robustness.flips, robustness.pairs)
            explain(main, "Rank flips: \(flips) of \(pairs) (method pair, order) comparisons disagree with the pooled ranking (\(pairs == 0 ? "n/a" : fmt(100 * Double(flips) / Double(pairs), 1) + "%")).")
            ordering(main, suite: suite, rs, sv: s.sv, sl: s.sl)
        }
    }
}
