import Analysis
import Foundation
import Linalg
import ResultStore

extension SiteBuilder.Context {
    /// One page per run: provenance, accuracy heatmap, metrics, contributions, the loss matrix,
    /// Shapley attribution, alignment and modality gap; each table with its CSV in its link.
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
        lossMatrix(main, r)
        attributionTable(main, r)
        embeddingTable(main, r)
        try save(p, "runs/\(run.id).html", inlineTables: true)
    }

    /// The evaluation loss after each stage, laid out as the accuracy matrix (AccuracyRow.loss).
    func lossMatrix(_ main: Element, _ r: RunRecord) {
        guard !r.accuracy.isEmpty else { return }
        main.add("h2", text: "Loss matrix")
        guard r.lossKnown else {
            explain(main, "Not recorded: the run was imported without a loss matrix.")
            return
        }
        explain(main, "Row t: cross-entropy over the environment's class prompts on its evaluation set after stage t (row 0 = pretrained); columns as in the accuracy matrix.")
        let stages = (r.accuracy.map(\.stage).max() ?? 0) + 1, cols = (r.accuracy.map(\.column).max() ?? 0) + 1
        var values = [[Double?]](repeating: [Double?](repeating: nil, count: cols), count: stages)
        var names = [String](repeating: "", count: cols)
        for a in r.accuracy { values[a.stage][a.column] = a.loss; names[a.column] = a.environment + (a.heldOut ? " (held out)" : "") }
        let t = main.add("table", ["class": "loss"])
        let h = t.add("tr")
        h.add("th", text: "after stage")
        for n in names { h.add("th", text: n) }
        for (stage, row) in values.enumerated() {
            let tr = t.add("tr")
            tr.add("td", text: "stage \(stage)")
            for v in row { tr.add("td", text: v.map { fixed($0, 4) } ?? "n/a") }
        }
    }

    /// Exact Shapley values of each stage's accuracy and loss changes, per environment.
    func attributionTable(_ main: Element, _ r: RunRecord) {
        guard !r.attributions.isEmpty else { return }
        main.add("h2", text: "Shapley attribution per stage and environment")
        explain(main, "The change from stage t-1 to stage t on each environment, of accuracy (R[t][e] - R[t-1][e], a fraction) and of loss, split exactly over the stage's vision-tower, language-tower and shared (logit scale) updates; each triple sums to the change. Scaling the logits does not change which class is predicted, so the shared part of an accuracy change is 0 unless the logit scale changes sign.")
        let t = main.add("table", ["class": "attribution"])
        let h = t.add("tr")
        for x in ["stage", "environment"] { h.add("th", text: x) }
        for kind in ["accuracy", "loss"] { for g in ParameterGroup.allCases { h.add("th", text: "\(kind): \(g.name)") } }
        for a in r.attributions {
            let row = t.add("tr")
            row.add("td", text: "\(a.stage)"); row.add("td", text: a.environment)
            for values in [a.accuracy, a.loss] { for g in ParameterGroup.allCases { row.add("td", text: fixed(values[group: g], 4)) } }
        }
    }

    /// Matched image-caption alignment, modality gap and (built-in runs) the CLIP loss per checkpoint.
    func embeddingTable(_ main: Element, _ r: RunRecord) {
        guard !r.embeddings.isEmpty else { return }
        let clip = r.embeddings.contains { $0.clipLoss != nil }
        main.add("h2", text: "Alignment and modality gap per stage and environment")
        explain(main, "At each stage's checkpoint (0 = pretrained), over the environment's evaluation pairs: alignment, the mean cosine between an image and its own caption; modality gap, the distance between the mean unit image and caption embeddings |mV - mL|" + (clip ? "; CLIP loss, the symmetric InfoNCE of the pairs at the checkpoint's logit scale (n/a where not recorded)." : "."))
        let t = main.add("table", ["class": "embeddings"])
        let h = t.add("tr")
        for x in ["stage", "environment", "alignment", "modality gap"] + (clip ? ["CLIP loss"] : []) { h.add("th", text: x) }
        for e in r.embeddings {
            let row = t.add("tr")
            row.add("td", text: "\(e.stage)"); row.add("td", text: e.environment)
            row.add("td", text: fixed(e.alignment, 4)); row.add("td", text: fixed(e.modalityGap, 4))
            if clip { row.add("td", text: e.clipLoss.map { fixed($0, 4) } ?? "n/a") }
        }
    }
}
