import Analysis
import Foundation
import Linalg
import ResultStore

extension SuitePage {
    static let contributions = SuitePage(
        title: "Modality contributions", link: "Contributions", file: "contributions",
        explanation: "When stage t trains environment e_t, an earlier environment e_s (env. #s: the s-th in the order) changes accuracy. The exact Shapley attribution splits that change between the stage's vision, language and shared (logit scale) updates; negative values are forgetting.",
        render: { ctx, main, suite, runs in try ctx.contributions(main, suite: suite, runs) })
}

extension SiteBuilder.Context {
    /// Shapley attribution per (stage, earlier environment) by method, and whether the scores predict forgetting.
    func contributions(_ main: Element, suite: String, _ cur: [ReportData.Run]) throws {
        let methods = data.methods(cur)
        if !cur.isEmpty {
            explain(main, "The bars show the vision and language parts only. The shared (logit scale) player is not drawn: scaling all logits by a positive factor cannot change which class has the largest, so its share of an accuracy change is always 0 (it does move the loss).")
        }
        for m in methods {
            let mr = cur.filter { $0.record.methodLabel == m }
            let bars = ReportData.attributionBars(mr)
            guard !bars.isEmpty else { continue }
            let heading = main.add("h2", text: m)
            for t in data.tags(m) { heading.add("span", ["class": "tag"], text: t) }
            // The shared (logit scale) part is left out: a positive rescaling of the logits cannot
            // change an argmax, so its accuracy attribution is exactly 0 (it is not for the loss).
            Charts.shares(main, label: "Mean Shapley attribution of accuracy change, \(m)",
                          xLabel: "mean Shapley attribution of the accuracy change (fraction)", partNames: [ParameterGroup.vision.name, ParameterGroup.language.name],
                          bars: bars.map { ($0.label, [$0.mean.vision, $0.mean.language]) })
            // Stability of the vision share of forgetting across orders.
            let shares = ReportData.visionShares(mr)
            if !shares.isEmpty {
                explain(main, "Vision share of the attributed change on earlier environments, across \(shares.count) orders: mean \(fmt(Descriptive.mean(shares), 3)), range \(fmt(shares.min()!, 3))–\(fmt(shares.max()!, 3)).")
            }
        }
        // Do the scores predict forgetting?
        let obs = data.forgettingObservations(cur)
        main.add("h2", text: "Do the contribution scores predict forgetting?")
        if obs.count >= 8 {
            let v = ScoreValidity.analyse(obs, bootstrap: Bootstrap(resamples: 500, key: RandomKey("validity", .string(suite))))
            explain(main, "Forgetting f(s,t) regressed on the six scores over \(v.n) (earlier environment, stage) pairs of all methods: R² = \(fmt(v.rSquared, 3)), Spearman ρ = \(fmt(v.spearman, 3)). Vision's share of the explained variance: \(fmt(v.familyShares["vision"] ?? 0, 3)); language: \(fmt(v.familyShares["language"] ?? 0, 3)); cross: \(fmt(v.familyShares["cross"] ?? 0, 3)).")
            let best = obs.map { $0.scores[4] }
            let fit = LeastSquares.fit(x: best.map { [$0] }, y: obs.map(\.forgetting))
            Charts.scatter(main, label: "Forgetting against vision drift DV, with its least-squares line", xLabel: "DV (vision drift of e_s, mean cosine)",
                           yLabel: "forgetting f(s,t) (accuracy, fraction)", points: zip(best, obs.map(\.forgetting)).map { ($0, $1) },
                           fit: (fit.coefficients[0], fit.coefficients[1]))
            let table = main.add("table")
            let head = table.add("tr")
            for h in ["predictor", "coefficient", "95% CI"] { head.add("th", text: h) }
            for (i, name) in (["intercept"] + ScoreValidity.predictorNames).enumerated() {
                let row = table.add("tr")
                row.add("td", text: name)
                row.add("td", text: fmt(v.coefficients[i].estimate, 4))
                row.add("td", text: "[\(fmt(v.coefficients[i].low, 4)), \(fmt(v.coefficients[i].high, 4))]")
            }
            if let s = v.shapleyVisionShare {
                explain(main, "Vision share of forgetting from the scores: \(fmt(v.scoreVisionShare, 3)); from the exact Shapley attribution: \(fmt(s, 3)); disagreement \(fmt(v.shareDisagreement ?? 0, 3)).")
            }
            visionShareGuide(main, perMethod: methods.compactMap { m in
                let s = ReportData.visionShares(cur.filter { $0.record.methodLabel == m })
                return s.isEmpty ? nil : Descriptive.mean(s)
            }, v)
        } else {
            explain(main, "Too few (earlier environment, stage) pairs for the regression (\(obs.count); 8 needed).")
        }
    }

    /// The three "vision share" figures of this page side by side, one sentence each on what
    /// it measures: they answer different questions and need not agree.
    func visionShareGuide(_ main: Element, perMethod: [Double], _ v: ScoreValidity) {
        main.add("h2", text: "Three vision shares, three questions")
        let table = main.add("table")
        let head = table.add("tr")
        for h in ["figure", "value", "what it measures"] { head.add("th", text: h) }
        let meanShare = perMethod.isEmpty ? "-" : fmt(Descriptive.mean(perMethod), 3)
        let rows: [(String, String, String)] = [
            ("Shapley vision share (per method, above)", meanShare + (perMethod.count > 1 ? " (mean of \(perMethod.count) methods)" : ""),
             "Of the accuracy change on earlier environments, the fraction (by absolute size) the exact Shapley attribution gives to the vision update rather than the language update."),
            ("vision share of explained variance", fmt(v.familyShares["vision"] ?? 0, 3),
             "Of the variance in forgetting that the six-score regression explains (R²), the part its vision scores SV and DV account for (Shapley split of R² over the vision, language and cross families)."),
            ("vision share of forgetting from the scores", fmt(v.scoreVisionShare, 3) + (v.shapleyVisionShare.map { " (Shapley: \(fmt($0, 3)))" } ?? ""),
             "The vision family's part of the R² explained by the vision and language families together (cross scores left out), set against the exact Shapley share |φV| / (|φV| + |φL|) of forgetting; their gap is the disagreement above."),
        ]
        for (name, value, meaning) in rows {
            let row = table.add("tr")
            row.add("td", text: name)
            row.add("td", text: value)
            row.add("td", ["class": "explain"], text: meaning)
        }
    }
}
