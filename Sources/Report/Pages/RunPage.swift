import Analysis
import Foundation
import Linalg
import ResultStore

extension SiteBuilder.Context {
    /// One page per run: accuracy heatmap, metrics, contributions, attribution, provenance.
    mutating func runPage(_ run: ReportData.Run) throws {
        let r = run.record
        let (p, main) = try page("Run #\(run.id): \(r.methodLabel), \(r.suiteName)", depth: 1)
        let prov = main.add("table")
        // Rows only a run with its own method version or an import source has.
        var own: [(String, String)] = []
        if let m = r.methodVersion {
            own.append(("method's code version", m.commit + (m.dirty ? " (uncommitted changes)" : "") + (m.repository.map { ", repository \($0)" } ?? "")))
        }
        if let i = r.importSource { own.append(("imported from", "\(i.file) (sha256 \(i.sha256))")) }
        for (k, v) in [("suite", r.suiteName), ("method", r.methodLabel + (r.external ? " (external)" : "") + (r.imported ? " (imported)" : "")),
                       ("parameters", r.methodParameters), ("command", r.externalCommand ?? "–"),
                       ("similarity", "sv = \(fmt(r.sv)), sl = \(fmt(r.sl))"), ("seed", "\(r.seed)"), ("order", r.order.joined(separator: " → ")),
                       ("status", r.status.rawValue + (r.message.map { ": " + $0 } ?? "")),
                       ("code version", r.provenance.commit + (r.provenance.dirty ? " (uncommitted changes)" : "")),
                       ("machine", "\(r.provenance.cpu), \(r.provenance.cores) cores, \(r.provenance.os)"),
                       ("OpenBLAS", "\(r.provenance.openblas), core \(r.provenance.openblasCore), \(r.provenance.threads) thread(s)"),
                       ("Swift", r.provenance.swift), ("wall time", fmt(r.wallSeconds, 2) + " s"), ("finished", r.finishedAt),
                       ("cell hash", r.cellHash)] + own {
            let row = prov.add("tr")
            row.add("th", text: k)
            row.add("td", text: v)
        }
        if !r.accuracy.isEmpty {
            main.add("h2", text: "Accuracy matrix")
            explain(main, "Row t: accuracy after stage t (row 0 = pretrained); columns: trained environments in order, then held-out ones.")
            let stages = (r.accuracy.map(\.stage).max() ?? 0) + 1, cols = (r.accuracy.map(\.column).max() ?? 0) + 1
            var values = [[Double]](repeating: [Double](repeating: 0, count: cols), count: stages)
            var names = [String](repeating: "", count: cols)
            for a in r.accuracy { values[a.stage][a.column] = a.accuracy; names[a.column] = a.environment + (a.heldOut ? "*" : "") }
            Charts.heatmap(main, label: "Accuracy matrix of run \(run.id)", rowTitle: "after stage", columnTitle: "accuracy (fraction) on environment (* held out)", rows: (0..<stages).map { "stage \($0)" }, columns: names, values: values)
            main.add("h2", text: "Metrics")
            let mt = main.add("table")
            for m in ContinualMetric.allCases {
                let row = mt.add("tr")
                row.add("th", text: m.label)
                row.add("td", text: run.metric[m].map { fmt($0, 4) } ?? "n/a")
                row.add("td", ["class": "explain"], text: m.explanation)
            }
        }
        if !r.contributions.isEmpty {
            main.add("h2", text: "Contributions per stage")
            explain(main, "Scores at checkpoint t-1 between the earlier environment e_s and the trained e_t, drift of e_s from t-1 to t, and the forgetting f(s,t).")
            let ct = main.add("table")
            let h = ct.add("tr")
            for x in ["stage", "trained", "earlier", "SV", "SL", "SX(s,t)", "SX(t,s)", "DV", "DL", "forgetting"] { h.add("th", text: x) }
            for c in r.contributions {
                let row = ct.add("tr")
                for v in ["\(c.stage)", c.trained, c.earlier] { row.add("td", text: v) }
                for v in [c.sv, c.sl, c.sxEarlierTrained, c.sxTrainedEarlier, c.driftVision, c.driftLanguage, c.forgetting] { row.add("td", text: fmt(v, 3)) }
            }
        }
        if !r.attributions.isEmpty {
            main.add("h2", text: "Shapley attribution of accuracy changes")
            let at = main.add("table")
            let h = at.add("tr")
            for x in ["stage", "environment"] + ParameterGroup.allCases.map(\.name) { h.add("th", text: x) }
            for a in r.attributions {
                let row = at.add("tr")
                row.add("td", text: "\(a.stage)"); row.add("td", text: a.environment)
                for g in ParameterGroup.allCases { row.add("td", text: fmt(a.accuracy[group: g], 3)) }
            }
        }
        try save(p, "runs/\(run.id).html", tables: false)
    }
}
