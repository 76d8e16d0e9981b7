import Analysis
import Foundation
import ResultStore

extension SiteBuilder.Context {
    /// Metrics across code versions with change points, the regressions between consecutive
    /// versions, and the same regressions as an Atom feed.
    mutating func history() throws {
        let (p, main) = try page("History across code versions")
        let minimum = builder.changePointMinimumVersions
        explain(main, "Each point is a metric's mean over a suite's cells for one code version (oldest left). Dashed lines mark change points found by penalised least-squares segmentation, looked for only in a series measured at \(minimum) or more code versions (fewer give a noise level from too few differences); regressions compare consecutive versions on identical cells.")
        var regressions: [(suite: String, base: String, head: String, updated: String, row: VersionComparison.Row)] = []
        let records = data.runs.map(\.record)
        for suite in data.suites {
            let versions = data.versions(suite: suite)
            main.add("h2", text: suite)
            let table = main.add("table")
            let head = table.add("tr")
            for h in ["code version", "runs", "newest run"] { head.add("th", text: h) }
            for v in versions {
                let row = table.add("tr")
                row.add("td", text: v.short)
                row.add("td", text: "\(data.runs.filter { $0.record.suiteName == suite && $0.version == v.id }.count)")
                row.add("td", text: v.lastFinished)
            }
            let suiteRuns = data.runs.filter { $0.record.suiteName == suite && $0.record.status == .done }
            for metric in [ContinualMetric.last, .forgetting] {
                var series: [(String, [Double], [Double], [Double])] = []
                var marks = Set<Int>()
                for m in data.methods(suiteRuns) {
                    let means = versions.map { v in Descriptive.mean(suiteRuns.filter { $0.record.methodLabel == m && $0.version == v.id }.compactMap { $0.metric[metric] }) }
                    ChangePoints.changes(alongGaps: means, minimumVersions: minimum).forEach { marks.insert($0) }  // versions without runs are gaps
                    series.append((m, means, means, means))
                }
                if versions.count >= 2 && versions.count < minimum && metric == .last {
                    explain(main, "No change points marked: they need at least \(minimum) code versions with runs (report --min-versions); this suite has \(versions.count).")
                }
                if versions.count >= 2 {
                    Charts.lines(main, label: "\(metric.label) across code versions", xLabels: versions.map(\.short), xLabel: "code version (commit, oldest first)", yLabel: "\(metric.label) (accuracy, fraction)",
                                 series: series, marks: marks.sorted())
                }
            }
            for i in versions.indices.dropFirst() {
                let rows = VersionComparison.compare(records.filter { $0.suiteName == suite }, base: versions[i - 1].id, head: versions[i].id)
                for r in rows where r.regression {
                    regressions.append((suite, versions[i - 1].short, versions[i].short, versions[i].lastFinished, r))
                }
            }
        }
        main.add("h2", text: "Regressions")
        if regressions.isEmpty {
            explain(main, "No significant regression between consecutive code versions.")
        } else {
            let table = main.add("table")
            let head = table.add("tr")
            for h in ["suite", "method", "metric", "from", "to", "change [95% CI]"] { head.add("th", text: h) }
            for r in regressions {
                let row = table.add("tr")
                for v in [r.suite, r.row.method, r.row.metric.label, r.base, r.head] { row.add("td", text: v) }
                row.add("td", text: "\(fmt(r.row.difference.estimate, 4)) [\(fmt(r.row.difference.low, 4)), \(fmt(r.row.difference.high, 4))]")
            }
        }
        main.add("p").add("a", ["href": "regressions.xml"], text: "Regressions as an Atom feed")
        try save(p, "history.html")
        try atom(regressions.map { ($0.suite, $0.base, $0.head, $0.updated, $0.row) })
    }

    /// regressions.xml, written with the same escaping DOM.
    mutating func atom(_ items: [(String, String, String, String, VersionComparison.Row)]) throws {
        let doc = try Page(xml: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"></feed>\n", name: "regressions.xml")
        let feed = doc.root
        feed.add("title", text: "clvbench regressions")
        feed.add("id", text: "urn:clvbench:regressions")
        feed.add("updated", text: items.map(\.3).max() ?? "1970-01-01T00:00:00Z")
        feed.add("link", ["href": "history.html"])
        for (suite, base, head, updated, r) in items {
            let e = feed.add("entry")
            e.add("title", text: "\(suite): \(r.method) \(r.metric.label) regressed from \(base) to \(head)")
            e.add("id", text: "urn:clvbench:regression:\(suite):\(r.method):\(r.metric.rawValue):\(base):\(head)")
            e.add("updated", text: updated)
            e.add("summary", text: "Mean change \(fmt(r.difference.estimate, 4)) (95% CI \(fmt(r.difference.low, 4)) to \(fmt(r.difference.high, 4))) over \(r.pairs) identical cells.")
        }
        let path = builder.outputDirectory + "/regressions.xml"
        try doc.writeXML(to: path)
        written.append(path)
    }
}
