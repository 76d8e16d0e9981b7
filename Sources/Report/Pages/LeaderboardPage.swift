import Analysis
import Foundation
import Linalg
import ResultStore

extension SuitePage {
    static let leaderboard = SuitePage(
        title: "Leaderboard", link: "Leaderboard", file: "leaderboard",
        explanation: "Each number is the mean over (seed x order) cells with its 95% bootstrap CI (2,000 resamples, stratified by similarity setting) and n. IQM is the interquartile mean of Last; the worst order is the lowest Last among orders (mean over seeds). Rank is by mean Last, with tie groups: a method shares the rank of the method directly above it when the 95% paired bootstrap CI of their mean difference in Last over matched cells (same similarity setting, seed and order) includes 0 (\"=\" marks a shared rank; the rule compares neighbours only, so a chain of ties shares one rank); methods without a finished run are listed below the ranking. Bold: the best mean of its column. Each table can be downloaded as CSV or as a LaTeX (booktabs) tabular.",
        render: { ctx, main, suite, runs in
            try ctx.leaderboard(main, suite: suite, runs)
            ctx.suiteDefinition(main, suite: suite)
        })
}

extension SiteBuilder.Context {
    /// Per similarity scope, one row per method ranked by mean Last; then probability of improvement, variance shares and the cells by method.
    func leaderboard(_ main: Element, suite: String, _ cur: [ReportData.Run]) throws {
        var scopes: [(String, [ReportData.Run])] = [("All similarity settings", cur)]
        var pooledLast: [String: Interval] = [:]  // for the chart below
        var rankedMethods: [String] = []  // all settings' order, for the environment table
        for s in data.settings(cur) {
            scopes.append(("sv = \(fmt(s.sv)), sl = \(fmt(s.sl))", cur.filter { $0.record.sv == s.sv && $0.record.sl == s.sl }))
        }
        let style = builder.numbers
        explain(main, style.unit)
        for (title, rs) in scopes {
            main.add("h2", text: title)
            let rows = ReportData.leaderboard(rs, methods: data.methods(rs), metrics: SiteBuilder.leaderboardMetrics, key: suite + title)
            if pooledLast.isEmpty {
                rankedMethods = rows.map(\.method)
                for r in rows.sorted(by: { $0.method < $1.method }) { pooledLast[r.method] = r.intervals[.last] }
            }
            let table = main.add("table", ["class": "leaderboard"])
            // The rule under the table, and as the .tex copy's note, wherever a rank is shared.
            if rows.contains(where: \.tied) { table.add("caption", text: TieGroups.rule(metric: "Last")) }
            let head = table.add("tr")
            head.add("th", text: "rank"); head.add("th", text: "method"); head.add("th", text: "n")
            for m in SiteBuilder.leaderboardMetrics { head.add("th", text: m.label + (m.direction == .higherIsBetter ? " ↑" : " ↓")) }
            head.add("th", text: "IQM Last"); head.add("th", text: "worst order (Last)")
            // The best mean of each column in bold, once there are two methods; compared as shown,
            // so two values that print alike are both bold.
            func shown(_ v: Double?) -> Double? { v.map { Double(style.format($0))! } }
            let best = Dictionary(uniqueKeysWithValues: SiteBuilder.leaderboardMetrics.map { m -> (ContinualMetric, Double?) in
                let v = rows.compactMap { shown($0.intervals[m]?.estimate) }
                return (m, rows.count < 2 || v.isEmpty ? nil : m.direction == .higherIsBetter ? v.max()! : v.min()!)
            })
            let bestIQM = rows.count < 2 ? nil : rows.compactMap { shown($0.iqmLast) }.max()
            for r in rows {
                let row = table.add("tr")
                row.add("td", text: r.rankLabel)
                methodCell(row, r.method)
                row.add("td", text: "\(r.n)")
                for metric in SiteBuilder.leaderboardMetrics {
                    let cell = row.add("td")
                    if let b = best[metric] ?? nil, shown(r.intervals[metric]?.estimate) == b { cell.set("class", "best") }
                    if let ci = r.intervals[metric] {
                        cell.text(style.format(ci.estimate))
                        cell.add("span", ["class": "ci"], text: " [\(style.format(ci.low)), \(style.format(ci.high))]")
                    } else {
                        cell.text("n/a")
                    }
                }
                let iqm = row.add("td", text: r.iqmLast.map(style.format) ?? "n/a")
                if let b = bestIQM, shown(r.iqmLast) == b { iqm.set("class", "best") }
                if let worst = r.worstOrder {
                    // The order on its own line, breakable after each ">" (<wbr>, no characters
                    // added), so the ten-column table fits 1280 px.
                    let cell = row.add("td", text: style.format(worst.value))
                    let order = cell.add("span", ["class": "order"], text: " (")
                    let steps = worst.order.split(separator: ">", omittingEmptySubsequences: false)
                    for (i, step) in steps.enumerated() {
                        order.text(i + 1 < steps.count ? step + ">" : step + ")")
                        if i + 1 < steps.count { order.add("wbr") }
                    }
                } else {
                    row.add("td", text: "n/a")
                }
            }
        }
        environmentTable(main, suite: suite, cur, methods: rankedMethods)
        let unranked = data.unranked(suite: suite)
        if !unranked.isEmpty {
            main.add("h2", text: "Not ranked: no finished run")
            explain(main, "Methods with runs in this suite but none finished at the code version shown, with their failed or diverged runs at their newest version and the first run's message.")
            let table = main.add("table")
            let head = table.add("tr")
            for h in ["method", "code version", "failed or diverged runs", "first message"] { head.add("th", text: h) }
            for u in unranked {
                let row = table.add("tr")
                row.add("td", text: u.method)
                row.add("td", text: u.version)
                row.add("td", text: "\(u.failures)")
                row.add("td", ["class": "explain"], text: u.firstMessage)
            }
        }
        main.add("h2", text: "What the columns mean")
        let dl = main.add("dl")
        for m in SiteBuilder.leaderboardMetrics {
            dl.add("dt", text: m.label)
            dl.add("dd", text: m.explanation)
        }

        let methods = data.methods(cur)
        main.add("h2", text: "Probability of improvement (Last)")
        explain(main, "P(row method beats column method) on a random pair of cells, from the Mann-Whitney U statistic; 0.5 means no difference.")
        let pt = main.add("table")
        let ph = pt.add("tr")
        ph.add("th", text: "")
        for m in methods { ph.add("th", text: m) }
        for a in methods {
            let row = pt.add("tr")
            row.add("td", text: a)
            let xa = cur.filter { $0.record.methodLabel == a }.compactMap { $0.metric[.last] }
            for b in methods {
                let xb = cur.filter { $0.record.methodLabel == b }.compactMap { $0.metric[.last] }
                row.add("td", text: a == b || xa.isEmpty || xb.isEmpty ? "–" : fmt(Comparison.probabilityOfImprovement(xa, over: xb), 2))
            }
        }
        main.add("h2", text: "Where the variance comes from (Last)")
        explain(main, "Share of each method's variance in Last explained by the seed, the task order and the similarity setting (main effects); the rest is interaction and noise.")
        let vt = main.add("table")
        let vh = vt.add("tr")
        for h in ["method", "seed", "order", "similarity", "other"] { vh.add("th", text: h) }
        for m in methods {
            let mr = cur.filter { $0.record.methodLabel == m && $0.metric[.last] != nil }
            guard mr.count > 1 else { continue }
            let (shares, residual) = VarianceDecomposition.shares(
                values: mr.map { $0.metric[.last]! },
                factors: ["seed": mr.map { "\($0.record.seed)" }, "order": mr.map { $0.record.orderKey }, "similarity": mr.map(\.setting)])
            let row = vt.add("tr")
            row.add("td", text: m)
            for k in ["seed", "order", "similarity"] { row.add("td", text: fmt(shares[k] ?? 0, 3)) }
            row.add("td", text: fmt(residual, 3))
        }
        main.add("h2", text: "Last by method")
        Charts.strip(main, label: "Last accuracy of every cell by method, with mean and 95% CI", xLabel: "method", yLabel: "Last (accuracy, fraction)",
                     groups: methods.map { m in
                         let ci = pooledLast[m]
                         return (m, cur.filter { $0.record.methodLabel == m }.compactMap { $0.metric[.last] }, ci.map { ($0.estimate, $0.low, $0.high) })
                     })
    }
}

extension SiteBuilder.Context {
    /// Final accuracy per environment (rows: methods in leaderboard order; columns: environments),
    /// over all similarity settings, as papers tabulate it.
    func environmentTable(_ main: Element, suite: String, _ cur: [ReportData.Run], methods: [String]) {
        let t = EnvironmentTable(cur, methods: methods, key: suite)
        guard !t.environments.isEmpty, !methods.isEmpty else { return }
        let style = builder.numbers
        main.add("h2", text: "Final accuracy per environment")
        explain(main, "Accuracy on each environment after the last stage, mean over the method's cells (all similarity settings) with its 95% bootstrap CI; rows in leaderboard order; bold: the best of its column. Held-out environments are never trained.")
        let table = main.add("table", ["class": "environments"])
        let head = table.add("tr")
        head.add("th", text: "method")
        for e in t.environments { head.add("th", text: t.heldOut.contains(e) ? "\(e) (held out)" : e) }
        // The best of each column in bold, compared as shown (as the leaderboard does).
        let best = t.environments.indices.map { j -> String? in
            let shown = t.cells.compactMap { $0[j].map { style.format($0.estimate) } }
            return t.methods.count < 2 ? nil : shown.max { Double($0)! < Double($1)! }
        }
        for (m, cells) in zip(t.methods, t.cells) {
            let row = table.add("tr")
            methodCell(row, m)
            for (j, ci) in cells.enumerated() {
                let cell = row.add("td")
                if let ci {
                    if style.format(ci.estimate) == best[j] { cell.set("class", "best") }
                    cell.text(style.format(ci.estimate))
                    cell.add("span", ["class": "ci"], text: " [\(style.format(ci.low)), \(style.format(ci.high))]")
                } else {
                    cell.text("n/a")
                }
            }
        }
    }
}
