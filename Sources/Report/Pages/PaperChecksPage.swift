import Analysis
import Foundation
import Linalg
import ResultStore

extension SuitePage {
    static let paperChecks = SuitePage(
        title: "Paper checks", link: "Paper checks", file: "paper-checks",
        explanation: "The seed paper's T1 and T2 checks (Sekeh & Wisell; definitions and which parts are our reading: docs/metrics.md) from the stored runs. T1: the cross-entropy drift ΔCE(t→t') of environment t when the next stage trains t', fitted on Con_I→T(t,t') and Con_T→I(t,t'). T2: CLV(t), the matched alignment of t's evaluation pairs just after training t, against the CLIP weight λ of the objective CE + λ·CLIP. Protocols (adaptive, frozen) and models are never pooled. OOD: MCM AUROC at every checkpoint, pairwise and cumulative, from the runs' stored OOD rows. The pretrained-pass figures (σ of the four scores, T1 on the pretrained scores) come from `clvbench analyze`.",
        render: { ctx, main, suite, runs in try ctx.paperChecks(main, suite: suite, runs) })
}

extension ReportData.Run {
    /// The record with the method label as stored: pages prefix it with the protocol or model
    /// when a suite spans several ("frozen / finetune"), but the paper-check groups name the
    /// protocol and model themselves, and analyze (and its bootstrap keys) use the stored label.
    var storedRecord: RunRecord {
        var r = record
        r.methodLabel = storedMethod
        return r
    }
}

extension SiteBuilder.Context {
    /// One figure in 3 decimals, "undefined" for NaN.
    static func decimals3(_ x: Double) -> String { x.isFinite ? fmt(x, 3) : "undefined" }

    /// A cell with the estimate and, on its own line, its CI (span.ci, as the leaderboard shows
    /// them; the table copies read it as the CI columns); `prefix` goes before the estimate (an
    /// order's name). An undefined figure (NaN) says so instead of printing 0.
    static func addInterval(_ row: Element, _ i: Interval, prefix: String = "") {
        guard i.estimate.isFinite else { row.add("td", text: prefix + "undefined"); return }
        row.add("td", text: prefix + decimals3(i.estimate)).add("span", ["class": "ci"], text: " [\(decimals3(i.low)), \(decimals3(i.high))]")
    }

    /// Beside a figure or table: its n and the runs behind it, as links to their run pages
    /// (folded away when there are many).
    func basis(_ e: Element, _ n: String, _ runs: [ReportData.Run]) {
        let div = e.add("div", ["class": "basis"])
        let ordered = runs.sorted { $0.id < $1.id }
        let text = "n: \(n) · \(ordered.count) run\(ordered.count == 1 ? "" : "s")"
        func links(_ parent: Element) {
            for r in ordered {
                parent.add("a", ["href": "runs/\(r.id).html", "title": "\(r.record.methodLabel) \(r.setting) seed \(r.record.seed) \(r.record.orderKey)"], text: "#\(r.id)")
                parent.text(" ")
            }
        }
        if ordered.count <= 12 {
            div.text(text + (ordered.isEmpty ? "" : ": "))
            links(div)
        } else {
            let d = div.add("details")
            d.add("summary", text: text + " (list)")
            links(d)
        }
    }

    func paperChecks(_ main: Element, suite: String, _ cur: [ReportData.Run]) throws {
        let settings = data.settings(cur).map { "\($0.sv) \($0.sl)" }
        // By run key, not by storage order: the bootstrap's clusters follow first appearance.
        let builtIn = cur.filter { !$0.record.external }.sorted { $0.record.runKey < $1.record.runKey }

        // T1: scores from the stored contribution rows, at the checkpoint before the transition.
        main.add("h2", text: "T1: loss drift on the cross-modal scores")
        explain(main, "Per protocol, model and method, least squares ΔX = β1·Con_I→T(t,t') + β2·Con_T→I(t,t') + α over every consecutive transition of every run, for X = CE, CLIP (symmetric InfoNCE of t's evaluation pairs) and LOSS = CE + λ·CLIP; scores at the checkpoint just before the transition (clvbench's extension; the paper's uses the pretrained model, see clvbench analyze). 95% bootstrap CIs resample whole runs within similarity settings. A component that is the same in every transition (ΔCLIP under frozen encoders is exactly 0) has nothing to fit. The paper (digest): R² ≈ 0 under a frozen encoder, 0.12 (COCO) and 0.16 (CUB) adaptive at epoch 10.")
        let table = main.add("table")
        let head = table.add("tr")
        for h in ["protocol · model · method", "λ", "runs", "transitions", "component", "β1 (Con_I→T)", "β2 (Con_T→I)", "α", "R²", "CLIP flips ΔCE", "paper R²"] { head.add("th", text: h) }
        var groups: [PaperCheckGroup: [ReportData.Run]] = [:]
        for r in builtIn { groups[PaperCheckGroup(trainingProtocol: r.record.trainingProtocol, model: r.record.model, method: r.storedMethod), default: []].append(r) }
        var any = false, withoutCLIP = 0, t1Transitions = 0, t1Runs: [ReportData.Run] = []
        for g in groups.keys.sorted() {
            let mr = groups[g]!
            var t: [LossTransition] = [], clipKnown = true
            for r in mr {
                let steps = r.record.lossTransitions
                if !steps.allSatisfy({ $0.deltaCLIP != nil }) { withoutCLIP += 1; clipKnown = false }
                for tr in steps {
                    guard let c = r.record.contributions.first(where: { $0.stage == tr.stage + 1 && $0.earlier == tr.from && $0.trained == tr.to }) else { continue }
                    t.append(LossTransition(cell: Int(r.id), stratum: settings.firstIndex(of: "\(r.record.sv) \(r.record.sl)") ?? 0,
                                            deltaCE: tr.deltaCE, deltaCLIP: tr.deltaCLIP ?? 0, clipWeight: r.record.clipWeight,
                                            conImageToText: c.sxEarlierTrained, conTextToImage: c.sxTrainedEarlier))
                }
            }
            guard t.count >= 4 else { continue }
            any = true
            t1Transitions += t.count
            t1Runs += mr.filter { r in t.contains { $0.cell == Int(r.id) } }
            let d = LossDecomposition.analyse(t, bootstrap: Bootstrap(resamples: 1000, key: RandomKey("t1", .string(suite), .string(g.label))))
            for (k, c) in LossComponent.allCases.filter({ $0 == .ce || clipKnown }).enumerated() {
                let f = d.fits[c]!
                let row = table.add("tr")
                for cell in k == 0 ? [g.label, fmt(mr[0].record.clipWeight), "\(d.cells)", "\(d.n)"] : ["", "", "", ""] { row.add("td", text: cell) }
                row.add("td", text: c.rawValue)
                if f.constantResponse {
                    row.add("td", text: "the same in every transition: nothing to fit").set("colspan", "4")
                } else {
                    for i in [f.beta1, f.beta2, f.alpha, f.rSquared] { Self.addInterval(row, i) }
                }
                row.add("td", text: k == 0 ? (clipKnown ? "\(d.signFlips) of \(d.n)" : "CLIP losses not stored") : "")
                row.add("td", text: k == 0 ? (g.trainingProtocol == "frozen" ? "≈ 0 (frozen)" : "0.12 (COCO), 0.16 (CUB)") : "")
            }
        }
        if !any { explain(main, "No group has 4 transitions with stored scores (runs need at least two stages).") }
        basis(main, "\(t1Transitions) transitions (each row's own count in its columns)", t1Runs)
        if withoutCLIP > 0 { explain(main, "\(withoutCLIP) runs have no per-checkpoint CLIP losses (stored before schema v7, or trained elsewhere): their groups show ΔCE only.") }

        // T2: CLV against λ per method family.
        main.add("h2", text: "T2: alignment against the CLIP weight λ")
        explain(main, "Mean CLV per λ over every (run, trained environment), and Spearman ρ(λ, CLV) with a 95% bootstrap CI resampling whole runs within λ levels. The paper (digest): under adaptive fine-tuning λ raises CLV monotonically, ≈0.04 at λ = 0 to ≈0.50 at λ = 5 on CUB, 0.27–0.36 on COCO; no effect under a frozen encoder.")
        let t2 = main.add("table")
        let h2 = t2.add("tr")
        for h in ["protocol · model · method family", "λ: mean CLV (n)", "runs", "Spearman ρ(λ, CLV)", "n (run, environment)"] { h2.add("th", text: h) }
        var t2Points = 0
        var byFamily: [PaperCheckGroup: [ReportData.Run]] = [:]
        for r in builtIn { byFamily[r.record.alignmentGroup, default: []].append(r) }
        for g in byFamily.keys.sorted() {
            let fam = g.label, fr = byFamily[g]!
            var lambda: [Double] = [], clv: [Double] = [], cell: [Int?] = []
            for r in fr { for a in r.record.alignmentAfterTraining { lambda.append(r.record.clipWeight); clv.append(a.clv); cell.append(Int(r.id)) } }
            let levels = Array(Set(lambda)).sorted()
            let row = t2.add("tr")
            row.add("td", text: fam)
            row.add("td", text: levels.map { l in
                let c = zip(lambda, clv).filter { $0.0 == l }.map(\.1)
                return "\(fmt(l)): \(fmt(Descriptive.mean(c), 3)) (\(c.count))"
            }.joined(separator: "; "))
            row.add("td", text: "\(fr.count)")
            t2Points += clv.count
            if levels.count < 2 {
                row.add("td", text: "one λ only")
                row.add("td", text: "\(clv.count)")
            } else {
                let s = RankCorrelationInterval.spearman(lambda, clv, clusters: cell, strata: lambda.map { levels.firstIndex(of: $0)! },
                                                         bootstrap: Bootstrap(resamples: 1000, key: RandomKey("t2", .string(suite), .string(fam))))
                Self.addInterval(row, s.rho)
                row.add("td", text: "\(s.rho.n)")
            }
        }
        basis(main, "\(t2Points) (run, trained environment) CLV values", builtIn.filter { !$0.record.alignmentAfterTraining.isEmpty })

        gradientSection(main, builtIn)

        conSection(main, cur)

        oodSection(main, builtIn)
    }

    /// The gradient alignment per stage (GradientAlignmentSummary) and the balance-factor check
    /// (BalanceFactorCheck): the numbers `clvbench analyze --json` prints under
    /// "gradient_alignment" and "balance_factor", from the same resamples.
    func gradientSection(_ main: Element, _ builtIn: [ReportData.Run]) {
        main.add("h2", text: "Gradient alignment per stage")
        explain(main, "At every stage k ≥ 2 of an adaptive run, at the weights before the stage: the cosine between g_new, the gradient of the method's own training objective on the stage's first mini-batch, and g_old, the gradient of the earlier environments' prompt loss (the cross-entropy of their training images against their class prompts; our reading). The cosine is of the step the method took: a tower it keeps frozen counts 0, CBF's continuous factor scales its tower; 'unscaled' is every group at factor 1, plain fine-tuning's step at the same weights. Per group (vision tower, language tower, shared = the logit scale, one number, so ±1) the cosine within the group. Mean over runs, 95% bootstrap CI resampling runs within similarity settings. Frozen runs move no encoder and have none; external and imported runs have none.")
        let records = builtIn.map(\.storedRecord)
        let summaries = GradientAlignmentSummary.compute(runs: records)
        if summaries.isEmpty {
            explain(main, "No run stored gradient alignments (adaptive built-in runs stored with schema v11 or later have them).")
            return
        }
        let byKey = Dictionary(builtIn.map { ($0.record.runKey, $0) }, uniquingKeysWith: { a, _ in a })
        let table = main.add("table")
        let head = table.add("tr")
        for h in ["protocol · model · method", "stage", "runs", "cos(g_new, g_old)", "unscaled", "vision", "language", "shared"] { head.add("th", text: h) }
        var behind: [ReportData.Run] = [], rows = 0
        for g in summaries {
            behind += g.runKeys.compactMap { byKey[$0] }
            for (k, st) in g.stages.enumerated() {
                let row = table.add("tr")
                row.add("td", text: k == 0 ? g.group.label : "")
                row.add("td", text: "\(st.stage)")
                row.add("td", text: "\(st.runs)")
                Self.addInterval(row, st.cosine)
                for v in [st.unscaledCosine, st.groupCosine.vision, st.groupCosine.language, st.groupCosine.shared] { row.add("td", text: Self.decimals3(v)) }
                rows += st.runs
            }
        }
        basis(main, "\(rows) (run, stage) alignments (each row's own runs in its columns)", behind)

        let checks = BalanceFactorCheck.compute(runs: records)
        guard !checks.isEmpty else { return }
        main.add("h3", text: "Does the balance factor raise the alignment? (T2)")
        explain(main, "The paper (digest) says the Contribution Balance Factor is the binary gradient mask that maximises gradient alignment. Per cbf variant: (a) its runs' mean alignment over stages minus that of the finetune run of the same cell (similarity setting, seed, order, λ), mean over matched cells with a 95% bootstrap CI; (b) within each cbf run, at the same weights, the alignment of the step it took minus the unscaled one (what plain fine-tuning's step would have had), mean over runs; (c) how many stages reached the alignment of the best tower mask (both towers, vision only or language only, computed from the stored per-group figures); (d) for the binary variant, how many of its masked stages kept the better of the two single towers.")
        let t = main.add("table")
        let h = t.add("tr")
        for c in ["protocol · model · method", "runs", "Δ against finetune (matched cells)", "n cells", "verdict", "Δ scaled − unscaled (same weights)", "verdict", "stages at the best mask", "mask = the better tower"] { h.add("th", text: c) }
        var checkRuns: [ReportData.Run] = []
        for b in checks {
            checkRuns += (b.runKeys + b.matchedRunKeys).compactMap { byKey[$0] }
            let row = t.add("tr")
            row.add("td", text: b.group.label)
            row.add("td", text: "\(b.runKeys.count)")
            if let v = b.versusFinetune {
                Self.addInterval(row, v)
                row.add("td", text: "\(v.n)")
                row.add("td", text: BalanceFactorCheck.verdict(v))
            } else {
                row.add("td", text: "no finetune run at the same cells").set("colspan", "3")
            }
            Self.addInterval(row, b.gainOverUnscaled)
            row.add("td", text: BalanceFactorCheck.verdict(b.gainOverUnscaled))
            row.add("td", text: "\(b.reachedBestMask) of \(b.stages)")
            row.add("td", text: b.maskedStages > 0 ? "\(b.pickedBetterTower) of \(b.maskedStages)" : "no masked stage")
        }
        basis(main, "\(checks.map(\.stages).reduce(0, +)) cbf (run, stage) alignments and their matched finetune runs", checkRuns)
    }

    /// The paper's four contribution scores at every checkpoint (ConCheckpointSummary, the numbers
    /// `clvbench analyze --json` prints under "con_checkpoints"), per group and world.
    func conSection(_ main: Element, _ cur: [ReportData.Run]) {
        main.add("h2", text: "Contribution scores at every checkpoint")
        explain(main, "The paper's four scores between every ordered pair (a, b) of trained environments, at the pretrained model (stage 0, the paper's single forward pass) and after every stage (clvbench's extension): Con_I→T(a,b) = mV(a)·mL(b), Con_T→I(a,b) = mL(a)·mV(b), Con_I→I(a,b) = mV(a)·mV(b), Con_T→T(a,b) = mL(a)·mL(b), with mV, mL the mean unit image and caption embeddings of an environment's evaluation pairs at that checkpoint. Mean over every (run, ordered pair) of the stage; σ is the population standard deviation over one run's ordered pairs, mean over runs (at stage 0 the pretrained σ the paper reports, σ_I = 0.138 on COCO and 0.063 on CUB for the cross-modal score). Per world (similarity setting): σ does not pool across worlds. Under frozen the encoders do not move, so every stage repeats stage 0.")
        let summaries = ConCheckpointSummary.compute(runs: cur.map(\.storedRecord))
        if summaries.isEmpty {
            explain(main, "No run stored the four scores per checkpoint (runs stored with schema v10 or later have them; imported runs do not).")
            return
        }
        let table = main.add("table")
        let head = table.add("tr")
        var headers = ["protocol · model · method", "sv, sl", "stage", "runs", "pairs"]
        for c in ConScore.allCases { headers += ["\(c.paperName) mean", "\(c.paperName) σ"] }
        for h in headers { head.add("th", text: h) }
        let byKey = Dictionary(cur.map { ($0.record.runKey, $0) }, uniquingKeysWith: { a, _ in a })
        var behind: [ReportData.Run] = [], rows = 0
        for g in summaries {
            behind += g.runKeys.compactMap { byKey[$0] }
            for (k, st) in g.stages.enumerated() {
                let row = table.add("tr")
                for cell in k == 0 ? [g.group.label, "\(fmt(g.sv)), \(fmt(g.sl))"] : ["", ""] { row.add("td", text: cell) }
                row.add("td", text: st.stage == 0 ? "0 (pretrained)" : "\(st.stage)")
                row.add("td", text: "\(st.runs)")
                row.add("td", text: "\(st.pairs)")
                for c in ConScore.allCases {
                    row.add("td", text: Self.decimals3(st.mean[c]!))
                    row.add("td", text: Self.decimals3(st.sigma[c]!))
                }
                rows += st.pairs
            }
        }
        basis(main, "\(rows) (run, ordered pair, stage) rows (each row's own runs and pairs in its columns)", behind)
    }

    /// OOD detection per checkpoint (MCM AUROC, τ = 1), from the runs' stored OOD rows (OODSummary,
    /// the same numbers and resamples as `clvbench analyze --json`).
    func oodSection(_ main: Element, _ builtIn: [ReportData.Run]) {
        main.add("h2", text: "OOD: MCM AUROC at every checkpoint")
        explain(main, "MCM score of an image: the largest softmax over its cosines to the in-distribution class prompts (τ = 1), from the checkpoint's own encoders (under frozen the encoders are the pretrained ones, so OOD does not read the head). Cumulative AUROC after stage k: the evaluation images of the k environments trained so far, with the union of their prompts, against the held-out environments' images; mean over runs with a 95% bootstrap CI resampling runs within similarity settings. Pairwise: environment a's images and prompts against b's images, for every ordered pair of trained environments, mean over (run, pair). Pearson(Con_I→T, AUROC) over the (run, pair) points at the pretrained checkpoint. The paper (digest): pairwise ≈0.89–0.90 (COCO) and 0.65–0.70 (CUB) frozen, dropping to 0.61/0.50 adaptive; Pearson ≈ −0.42 to −0.55 on COCO; guided ordering lifts cumulative AUROC 0.715 → 0.757 (COCO), 0.488 → 0.506 (CUB).")
        let groups = OODSummary.compute(runs: builtIn.map(\.storedRecord))
        if groups.isEmpty {
            explain(main, "No run stored OOD figures (built-in runs stored with schema v8 or later have them; external and imported runs do not).")
            return
        }
        let withOOD = builtIn.filter { $0.record.status == .done && !$0.record.oodPairs.isEmpty }
        let table = main.add("table")
        let head = table.add("tr")
        for h in ["protocol · model · method", "runs", "Pearson(Con_I→T, AUROC), stage 0", "n (run, pair)", "stage", "cumulative AUROC", "n (runs)", "pairwise AUROC (pairs)"] { head.add("th", text: h) }
        for g in groups {
            for (k, st) in g.stages.enumerated() {
                let row = table.add("tr")
                if k == 0 {
                    row.add("td", text: g.group.label)
                    row.add("td", text: "\(g.runs)")
                    row.add("td", text: Self.decimals3(g.pearsonPretrained))
                    row.add("td", text: "\(g.pretrainedPairs)")
                } else {
                    for _ in 0..<4 { row.add("td", text: "") }
                }
                row.add("td", text: st.stage == 0 ? "0 (pretrained)" : "\(st.stage)")
                if let c = st.cumulative {
                    Self.addInterval(row, c)
                    row.add("td", text: "\(c.n)")
                } else {
                    row.add("td", text: st.stage == 0 ? "nothing trained yet" : "no held-out environments")
                    row.add("td", text: "")
                }
                row.add("td", text: st.pairwiseMean.isFinite ? "\(fmt(st.pairwiseMean, 3)) (\(st.pairs))" : "none")
            }
        }
        basis(main, "\(groups.map(\.pretrainedPairs).reduce(0, +)) (run, pair) points at stage 0; cumulative and pairwise counts per row", withOOD)

        conAUROCScatter(main, groups, withOOD)
        cumulativeAUROCLines(main, groups, withOOD)

        // The pairwise AUROC matrix per stage: mean over the group's runs of AUROC(a, b).
        main.add("h3", text: "Pairwise AUROC per stage")
        explain(main, "One matrix per group and stage: row a is the in-distribution environment (its images and class prompts), column b the OOD environment (its images); each cell is the mean of AUROC(a, b) over the group's runs at that checkpoint (similarity settings pooled, as in the table above). Colour scale: white at 0.5 (chance), blue towards 1 (b told apart from a), orange towards 0 (b scores as more in-distribution than a's own images).")
        for g in groups {
            let runs = withOOD.filter { $0.storedRecord.lossDriftGroup == g.group }
            main.add("h4", text: g.group.label)
            let row = main.add("div", ["class": "figures"])
            for st in g.stages {
                let m = Self.pairwiseMatrix(runs.map(\.record), stage: st.stage)
                guard !m.environments.isEmpty else { continue }
                let title = st.stage == 0 ? "stage 0 (pretrained)" : "after stage \(st.stage)"
                Charts.aurocHeatmap(row.add("div", ["class": "figure"]), label: "Pairwise MCM AUROC, \(g.group.label), \(title)", title: "\(title): \(m.runs) runs, \(m.pairs) pairs",
                                    environments: m.environments, values: m.values)
            }
            basis(main, "per cell \(runs.count) runs (one AUROC each); \(g.stages.count) stages", runs)
        }
    }

    /// The paper's "lower Con_I→T goes with higher AUROC": per group, every (run, ordered pair)
    /// point at the pretrained checkpoint, Con_I→T(a, b) against AUROC(a, b), with the least
    /// squares line; the caption's Pearson is OODSummary's (analyze's `pearson_con_i_t_auroc_pretrained`).
    func conAUROCScatter(_ main: Element, _ groups: [OODSummary], _ withOOD: [ReportData.Run]) {
        main.add("h3", text: "Con_I→T against pairwise AUROC at the pretrained model")
        explain(main, "One point per (run, ordered pair (a, b)) at stage 0: x = Con_I→T(a, b) = mV(a)·mL(b), y = AUROC(a, b) (a's images and prompts in, b's images out); runs sharing a pretrained model repeat its points, which leaves Pearson unchanged. The line is the least-squares fit. The paper (digest): Pearson ≈ −0.42 to −0.55 on COCO.")
        let row = main.add("div", ["class": "figures"])
        var behind: [ReportData.Run] = [], points = 0
        for g in groups where g.pretrainedPairs > 0 {
            let runs = withOOD.filter { $0.storedRecord.lossDriftGroup == g.group }
            let xy = Self.pretrainedConAUROC(runs.map(\.storedRecord))
            behind += runs
            points += xy.count
            let figure = row.add("div", ["class": "figure"])
            Charts.scatter(figure, label: "Con_I→T against pairwise AUROC, \(g.group.label), stage 0 (pretrained)", xLabel: "Con_I→T(a, b)",
                           yLabel: "AUROC(a, b)", points: xy, fit: Self.leastSquaresLine(xy), dataValues: true)
            figure.add("p", ["class": "caption"], text: "\(g.group.label): Pearson \(Self.decimals3(g.pearsonPretrained)), n \(g.pretrainedPairs) (run, pair) points")
        }
        basis(main, "\(points) (run, ordered pair) points at stage 0", behind)
    }

    /// The cumulative AUROC after each stage, one chart per protocol and model, one series per
    /// method label (so each λ is its own line): OODSummary's means and CIs, as analyze prints them.
    func cumulativeAUROCLines(_ main: Element, _ groups: [OODSummary], _ withOOD: [ReportData.Run]) {
        let charted = groups.filter { g in g.stages.contains { $0.cumulative != nil } }
        guard !charted.isEmpty else { return }
        main.add("h3", text: "Cumulative AUROC over stages")
        explain(main, "After stage k: the evaluation images of the k environments trained so far (MCM over the union of their prompts) against the held-out environments' images. One chart per protocol and model, one line per method (λ is part of the method's name); the band is the 95% bootstrap CI over runs (within similarity settings), as in the table above.")
        let row = main.add("div", ["class": "figures"])
        struct Panel: Hashable, Comparable {
            var trainingProtocol: String, model: String
            static func < (a: Self, b: Self) -> Bool { (a.trainingProtocol, a.model) < (b.trainingProtocol, b.model) }
        }
        let panels = Dictionary(grouping: charted) { Panel(trainingProtocol: $0.group.trainingProtocol, model: $0.group.model) }
        var behind: [ReportData.Run] = []
        for panel in panels.keys.sorted() {
            let gs = panels[panel]!
            let stages = Array(Set(gs.flatMap { $0.stages.filter { $0.cumulative != nil }.map(\.stage) })).sorted()
            let series = gs.map { g -> (name: String, mean: [Double], low: [Double], high: [Double]) in
                let byStage = Dictionary(uniqueKeysWithValues: g.stages.compactMap { s in s.cumulative.map { (s.stage, $0) } })
                let c = stages.map { byStage[$0] }
                return (g.group.method, c.map { $0?.estimate ?? .nan }, c.map { $0?.low ?? .nan }, c.map { $0?.high ?? .nan })
            }
            behind += withOOD.filter { r in gs.contains { $0.group == r.storedRecord.lossDriftGroup } }
            let figure = row.add("div", ["class": "figure"])
            Charts.lines(figure, label: "Cumulative MCM AUROC over stages, \(panel.trainingProtocol) · \(panel.model)", xLabels: stages.map { "\($0)" },
                         xLabel: "after stage", yLabel: "cumulative AUROC", series: series, dataValues: true)
            figure.add("p", ["class": "caption"], text: "\(panel.trainingProtocol) · \(panel.model): \(gs.count) method\(gs.count == 1 ? "" : "s"), \(gs.map(\.runs).reduce(0, +)) runs")
        }
        basis(main, "per point the runs of its method (its CI's n)", behind)
    }

    /// Every (Con_I→T, AUROC) point of the runs' stage-0 OOD rows, runs by key, rows as stored.
    static func pretrainedConAUROC(_ runs: [RunRecord]) -> [(Double, Double)] {
        runs.sorted { $0.runKey < $1.runKey }.flatMap { r in r.oodPairs.filter { $0.stage == 0 }.map { ($0.conImageToText, $0.auroc) } }
    }

    /// y = a + b x by least squares; nil when x does not vary.
    static func leastSquaresLine(_ p: [(Double, Double)]) -> (Double, Double)? {
        guard p.count >= 2 else { return nil }
        let mx = Descriptive.mean(p.map(\.0)), my = Descriptive.mean(p.map(\.1))
        let sxx = p.reduce(0.0) { $0 + ($1.0 - mx) * ($1.0 - mx) }, sxy = p.reduce(0.0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        guard sxx > 0 else { return nil }
        let b = sxy / sxx
        return (my - b * mx, b)
    }

    /// Mean AUROC(a, b) over the runs' rows of one stage, environments in the order the rows
    /// name them (world order); NaN where no run has the pair. With the runs and rows behind it.
    static func pairwiseMatrix(_ runs: [RunRecord], stage: Int) -> (environments: [String], values: [[Double]], runs: Int, pairs: Int) {
        var names: [String] = [], sums: [String: (Double, Int)] = [:], used = 0, pairs = 0
        for r in runs {
            let rows = r.oodPairs.filter { $0.stage == stage }
            if !rows.isEmpty { used += 1 }
            for o in rows {
                for e in [o.inEnvironment, o.outEnvironment] where !names.contains(e) { names.append(e) }
                let key = "\(o.inEnvironment)\u{1f}\(o.outEnvironment)"
                let (s, n) = sums[key] ?? (0, 0)
                sums[key] = (s + o.auroc, n + 1)
                pairs += 1
            }
        }
        let values = names.map { a in names.map { b -> Double in
            guard let (s, n) = sums["\(a)\u{1f}\(b)"] else { return .nan }
            return s / Double(n)
        } }
        return (names, values, used, pairs)
    }
}
