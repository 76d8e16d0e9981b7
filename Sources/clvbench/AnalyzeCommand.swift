import Analysis
import ArgumentParser
import Foundation
import Harness
import ResultStore

/// `clvbench analyze`: the paper's checks (DESIGN.md section 10) over a database's runs.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The paper's checks over stored runs: σ, pairwise OOD AUROC, T1 loss drift, T2 alignment against λ, T3 ordering.",
        discussion: """
            For each suite in the database: the pretrained model's four contribution scores \
            (Con_I→T, Con_T→I, Con_I→I, Con_T→T) between its trained environments and their spread σ, \
            the distribution similarity beside the old mean cosine, pairwise MCM AUROC (environment a's \
            images and prompts against b's images) and its Pearson with Con_I→T; OOD from the runs' stored \
            checkpoints (τ = 1): per (protocol, model, method) the cumulative AUROC after each stage (trained \
            so far against held out, mean with a CI over runs), the mean pairwise AUROC per stage and \
            Pearson(Con_I→T, AUROC) at the pretrained checkpoint; the four scores at every stored checkpoint \
            (stage 0 = pretrained) per (protocol, model, method) and similarity setting, their mean over (run, ordered pair) and σ \
            (JSON key con_checkpoints); T1, the fits \
            ΔX(t→t') = β1·Con_I→T + β2·Con_T→I + α for X = CE, CLIP and LOSS = CE + λ·CLIP per \
            (protocol, model, method) with bootstrap CIs over runs and R², and how often the CLIP term \
            flips the sign of ΔCE; T2, CLV (matched alignment of t's evaluation pairs after training t) \
            per clip_weight λ and Spearman(λ, CLV) with a CI per (protocol, model, method family); the \
            gradient alignment per stage k ≥ 2 of adaptive runs, cos(g_new, g_old) of the stage's first \
            gradient and the earlier environments' prompt-loss gradient, mean with a CI over runs per \
            (protocol, model, method) (JSON key gradient_alignment), and for cbf whether the balance \
            factor raises it: against finetune at matched cells, against its own unscaled gradient, and \
            how often it reaches the best tower mask (JSON key balance_factor); T3, wherever a (model, method, similarity) \
            group ran all orders or at least 12, the ordering validation: forgetting, BWT, Last and (when stored) the \
            cumulative OOD AUROC after the last stage per order, their Pearson and Spearman with the order cost C(π) (CIs over orders), best and worst \
            orders, the guided (cheapest) order's rank and regret (CIs over seeds), and which cost \
            variant predicts forgetting best (see clvbench orders). The pretrained model is rebuilt from the \
            stored suite text (its pretraining is cached under results/cache). Definitions, and \
            which parts are our reading of the paper: docs/metrics.md.
            """)

    @Option(help: "Results database.") var db = "results/clvbench.sqlite"
    @Option(help: "Only this suite (by name).") var suite: String?
    @Option(help: "MCM temperature τ (> 0).") var temperature = 1.0
    @Option(help: "Bootstrap resamples.") var resamples = 2000
    @Flag(help: "Print the numbers as JSON.") var json = false

    func validate() throws {
        guard temperature > 0 && temperature.isFinite else { throw ValidationError("--temperature must be positive and finite, got \(temperature)") }
        guard (1...1_000_000).contains(resamples) else { throw ValidationError("--resamples must be in 1...1000000, got \(resamples)") }
    }

    func run() throws {
        let store = try openStore(db, readOnly: true)
        let runs: [RunRecord]
        do { runs = try store.loadRuns(suite: suite).map(\.record) } catch let e as StoreError { throw CLIError(e.description) }
        if runs.isEmpty { throw CLIError(suite.map { "no runs of suite '\($0)' in \(db)" } ?? "no runs in \(db)") }
        var results: [PaperChecks] = [], ordering: [[OrderingCheck]] = [], ood: [[OODSummary]] = [], con: [[ConCheckpointSummary]] = []
        var gradients: [[GradientAlignmentSummary]] = [], balance: [[BalanceFactorCheck]] = []
        for hash in Array(Set(runs.map(\.suiteHash))).sorted() {
            let mine = runs.filter { $0.suiteHash == hash }
            let parsed: Suite
            do { parsed = try Suite.parse(text: mine[0].suiteText, file: "suite '\(mine[0].suiteName)' stored in \(db)") } catch {
                throw CLIError("\(error)")
            }
            let used = Set(mine.map { "\($0.model) \($0.sv) \($0.sl)" })
            var pretrained: [PretrainedChecks] = []
            for model in parsed.models {
                var settings = parsed.settings
                settings.model = model.description
                for sim in parsed.similarities where used.contains("\(model.name) \(sim.sv) \(sim.sl)") {
                    do {
                        let world = try PreparedWorld(settings: settings, similarity: sim)
                        pretrained.append(PretrainedChecks(world: world, model: model.name, similarity: sim, temperature: temperature))
                    } catch { throw CLIError("\(error)") }
                }
            }
            results.append(PaperChecks.compute(suite: parsed.name, runs: mine, pretrained: pretrained,
                                               bootstrap: Bootstrap(resamples: resamples)))
            ood.append(OODSummary.compute(runs: mine, bootstrap: Bootstrap(resamples: resamples)))
            con.append(ConCheckpointSummary.compute(runs: mine))
            gradients.append(GradientAlignmentSummary.compute(runs: mine, bootstrap: Bootstrap(resamples: resamples)))
            balance.append(BalanceFactorCheck.compute(runs: mine, bootstrap: Bootstrap(resamples: resamples)))
            do { ordering.append(try OrderingChecks.compute(suite: parsed, runs: mine, bootstrap: Bootstrap(resamples: resamples))) } catch {
                throw CLIError("\(error)")
            }
        }
        if json {
            let objects = results.indices.map { i -> [String: Any] in
                var obj = Self.object(results[i])
                obj["ordering"] = ordering[i].map(Self.object)
                obj["ood"] = ood[i].map(Self.object)
                obj["con_checkpoints"] = con[i].map(Self.object)
                obj["gradient_alignment"] = gradients[i].map(Self.object)
                obj["balance_factor"] = balance[i].map(Self.object)
                return obj
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for i in results.indices {
                print(Self.text(results[i]))
                for g in con[i] { print(Self.text(g)) }
                for g in ood[i] { print(Self.text(g)) }
                for g in gradients[i] { print(Self.text(g)) }
                for b in balance[i] { print(Self.text(b)) }
                for c in ordering[i] {
                    print("  T3 \(c.trainingProtocol) · \(c.model) · \(c.method), sv \(c.similarity.sv) sl \(c.similarity.sl), \(c.validation.orderCount) orders x \(c.validation.seeds.count) seeds: \(c.validation.verdict)")
                }
            }
        }
    }

    /// JSON has no NaN: undefined figures are null.
    static func num(_ x: Double) -> Any { x.isFinite ? x : NSNull() }

    static func interval(_ i: Interval) -> [String: Any] {
        ["estimate": num(i.estimate), "low": num(i.low), "high": num(i.high), "n": i.n]
    }

    static func object(_ r: PaperChecks) -> [String: Any] {
        [
            "suite": r.suite,
            "pretrained": r.pretrained.map { p -> [String: Any] in
                var scores: [String: Any] = [:], sigma: [String: Any] = [:]
                for s in ConScore.allCases {
                    scores[s.key] = p.con.values[s]!.map { $0.map(num) }
                    sigma[s.key] = num(p.con.spread(s))
                }
                return ["model": p.model, "sv": p.similarity.sv, "sl": p.similarity.sl, "environments": p.environments,
                        "con": scores, "sigma": sigma,
                        "distribution_similarity": ["images": num(p.distributionSimilarity.images), "captions": num(p.distributionSimilarity.captions)],
                        "mean_cosine": ["images": num(p.meanCosine.images), "captions": num(p.meanCosine.captions)],
                        "pairwise_auroc": p.pairwiseAUROC.map { $0.map(num) },
                        "pearson_con_i_t_auroc": num(p.pearsonConAUROC)]
            },
            "runs_without_clip_loss": r.runsWithoutCLIPLoss,
            "t1": r.lossDrift.map { d -> [String: Any] in
                var fits: [String: Any] = [:]
                for c in LossComponent.allCases where c == .ce || d.clipLossKnown {
                    let f = d.decomposition.fits[c]!
                    fits[c.key] = ["beta1_con_i_t": interval(f.beta1), "beta2_con_t_i": interval(f.beta2), "alpha": interval(f.alpha),
                                   "r_squared": interval(f.rSquared), "constant": f.constantResponse] as [String: Any]
                }
                return ["protocol": d.group.trainingProtocol, "model": d.group.model, "method": d.method,
                        "clip_weight": d.clipWeight, "runs": d.runs, "transitions": d.decomposition.n,
                        "fits": fits, "clip_loss_known": d.clipLossKnown,
                        "sign_flips": d.clipLossKnown ? d.decomposition.signFlips as Any : NSNull()]
            },
            "t2": r.alignment.map { a -> [String: Any] in
                ["protocol": a.group.trainingProtocol, "model": a.group.model, "family": a.family, "runs": a.runs,
                 "levels": a.levels.map { ["clip_weight": $0.clipWeight, "clv": num($0.clv), "n": $0.n] as [String: Any] },
                 "spearman": interval(a.spearman.rho), "defined_resamples": a.spearman.defined]
            },
        ]
    }

    static func object(_ g: OODSummary) -> [String: Any] {
        ["protocol": g.group.trainingProtocol, "model": g.group.model, "method": g.group.method, "runs": g.runs,
         "pearson_con_i_t_auroc_pretrained": num(g.pearsonPretrained), "pretrained_pairs": g.pretrainedPairs,
         "stages": g.stages.map { s -> [String: Any] in
             ["stage": s.stage, "cumulative_auroc": s.cumulative.map(interval) ?? NSNull(),
              "pairwise_auroc_mean": num(s.pairwiseMean), "pairs": s.pairs]
         }]
    }

    static func text(_ g: OODSummary) -> String {
        let stages = g.stages.map { s in "\(s.stage): " + (s.cumulative.map { "\(ci($0))" } ?? "-") + " / \(f(s.pairwiseMean))" }
        return "  OOD \(g.group.label) (\(g.runs) runs): cumulative / pairwise MCM AUROC per stage \(stages.joined(separator: ", ")); "
            + "Pearson(Con_I→T, AUROC) at the pretrained model \(f(g.pearsonPretrained)) (n \(g.pretrainedPairs))"
    }

    static func object(_ g: ConCheckpointSummary) -> [String: Any] {
        ["protocol": g.group.trainingProtocol, "model": g.group.model, "method": g.group.method, "sv": g.sv, "sl": g.sl,
         "runs": g.runKeys.count, "run_keys": g.runKeys,
         "stages": g.stages.map { s -> [String: Any] in
             var mean: [String: Any] = [:], sigma: [String: Any] = [:]
             for c in ConScore.allCases { mean[c.key] = num(s.mean[c]!); sigma[c.key] = num(s.sigma[c]!) }
             return ["stage": s.stage, "runs": s.runs, "pairs": s.pairs, "mean": mean, "sigma": sigma]
         }]
    }

    static func text(_ g: ConCheckpointSummary) -> String {
        let stages = g.stages.map { s in "\(s.stage): \(f(s.mean[.imageToText]!)) (σ \(f(s.sigma[.imageToText]!)))" }
        return "  Con_I→T per checkpoint \(g.group.label), sv \(g.sv) sl \(g.sl) (\(g.runKeys.count) runs): mean (σ) per stage \(stages.joined(separator: ", "))"
    }

    static func groups(_ v: GroupValues) -> [String: Any] { ["vision": num(v.vision), "language": num(v.language), "shared": num(v.shared)] }

    static func object(_ g: GradientAlignmentSummary) -> [String: Any] {
        ["protocol": g.group.trainingProtocol, "model": g.group.model, "method": g.group.method,
         "runs": g.runKeys.count, "run_keys": g.runKeys,
         "stages": g.stages.map { s -> [String: Any] in
             ["stage": s.stage, "runs": s.runs, "cosine": interval(s.cosine), "unscaled_cosine": num(s.unscaledCosine),
              "group_cosine": groups(s.groupCosine)]
         }]
    }

    static func text(_ g: GradientAlignmentSummary) -> String {
        let stages = g.stages.map { "\($0.stage): \(ci($0.cosine))" }
        return "  gradient alignment \(g.group.label) (\(g.runKeys.count) runs): cos(g_new, g_old) per stage \(stages.joined(separator: ", "))"
    }

    static func object(_ b: BalanceFactorCheck) -> [String: Any] {
        ["protocol": b.group.trainingProtocol, "model": b.group.model, "method": b.group.method,
         "runs": b.runKeys.count, "run_keys": b.runKeys,
         "versus_finetune": b.versusFinetune.map(interval) ?? NSNull(),
         "versus_finetune_verdict": b.versusFinetune.map { BalanceFactorCheck.verdict($0) as Any } ?? NSNull(),
         "matched_finetune_run_keys": b.matchedRunKeys,
         "gain_over_unscaled": interval(b.gainOverUnscaled), "gain_over_unscaled_verdict": BalanceFactorCheck.verdict(b.gainOverUnscaled),
         "reached_best_mask": b.reachedBestMask, "stages": b.stages,
         "picked_better_tower": b.pickedBetterTower, "masked_stages": b.maskedStages]
    }

    static func text(_ b: BalanceFactorCheck) -> String {
        let versus = b.versusFinetune.map { "against finetune at \($0.n) matched cells Δ \(ci($0)) (\(BalanceFactorCheck.verdict($0)))" }
            ?? "no finetune run at the same cells"
        return "  T2 balance factor \(b.group.label) (\(b.runKeys.count) runs): \(versus); at the same weights, scaled minus unscaled "
            + "\(ci(b.gainOverUnscaled)) (\(BalanceFactorCheck.verdict(b.gainOverUnscaled))); reached the best tower mask's alignment in "
            + "\(b.reachedBestMask) of \(b.stages) stages"
            + (b.maskedStages > 0 ? "; its mask was the better single tower in \(b.pickedBetterTower) of \(b.maskedStages)" : "")
    }

    static func object(_ c: OrderingCheck) -> [String: Any] {
        let v = c.validation
        func order(_ p: OrderingValidation.PerOrder) -> [String: Any] { ["order": p.order, "cost": num(p.cost), "mean": interval(p.outcome)] }
        return [
            "protocol": c.trainingProtocol, "model": c.model, "method": c.method, "sv": c.similarity.sv, "sl": c.similarity.sl,
            "cost": v.variant.name, "orders": v.orderCount, "complete": v.complete, "seeds": v.seeds, "verdict": v.verdict,
            "best_variant": v.bestVariant.map { $0.name as Any } ?? NSNull(),
            "variant_spearman_forgetting": v.variantSpearman.map { ["cost": $0.variant.name, "spearman": interval($0.rho)] as [String: Any] },
            "outcomes": v.analyses.map { a -> [String: Any] in
                ["outcome": a.outcome.key, "lower_is_better": a.outcome.lowerIsBetter,
                 "pearson": interval(a.pearson), "spearman": interval(a.spearman),
                 "best": order(a.best), "worst": order(a.worst), "ratio": num(a.ratio), "ratio_ci": interval(a.ratioInterval),
                 "guided": order(a.guided), "guided_rank": a.guidedRank,
                 "regret_vs_best": interval(a.regretVsBest), "regret_vs_mean": interval(a.regretVsMean),
                 "per_order": a.orders.map(order)]
            },
        ]
    }

    static func f(_ x: Double) -> String { x.isFinite ? String(format: "%.3f", x) : "n/a" }
    static func ci(_ i: Interval) -> String { "\(f(i.estimate)) [\(f(i.low)), \(f(i.high))]" }

    static func text(_ r: PaperChecks) -> String {
        var out = ["suite \(r.suite)"]
        for p in r.pretrained {
            out.append("  pretrained \(p.model), sv \(p.similarity.sv) sl \(p.similarity.sl): σ " + ConScore.allCases.map { "\($0.paperName) \(f(p.con.spread($0)))" }.joined(separator: "  "))
            out.append("    distribution similarity images \(f(p.distributionSimilarity.images)) captions \(f(p.distributionSimilarity.captions))"
                       + " (mean cosine \(f(p.meanCosine.images)), \(f(p.meanCosine.captions)))")
            let off = p.pairwiseAUROC.enumerated().flatMap { a, row in row.enumerated().filter { $0.offset != a }.map(\.element) }
            out.append("    pairwise MCM AUROC mean \(f(Descriptive.mean(off))) (n \(off.count)), Pearson(Con_I→T, AUROC) \(f(p.pearsonConAUROC))")
        }
        for d in r.lossDrift {
            out.append("  T1 \(d.group.label) (λ \(d.clipWeight)): Δ = β1·Con_I→T + β2·Con_T→I + α over \(d.decomposition.n) transitions of \(d.runs) runs"
                       + (d.clipLossKnown ? ", CLIP flips the sign of ΔCE in \(d.decomposition.signFlips)" : ", ΔCE only (CLIP losses not stored)"))
            for c in LossComponent.allCases where c == .ce || d.clipLossKnown {
                let fit = d.decomposition.fits[c]!
                out.append("    \(c.rawValue): " + (fit.constantResponse ? "the same value in every transition (nothing to fit)"
                    : "β1 \(ci(fit.beta1))  β2 \(ci(fit.beta2))  α \(ci(fit.alpha))  R² \(ci(fit.rSquared))"))
            }
        }
        if r.runsWithoutCLIPLoss > 0 {
            out.append("  T1: \(r.runsWithoutCLIPLoss) runs were stored without per-checkpoint CLIP losses (before schema v7); their groups fit ΔCE only")
        }
        for a in r.alignment {
            let levels = a.levels.map { "λ \($0.clipWeight): \(f($0.clv)) (n \($0.n))" }.joined(separator: ", ")
            out.append("  T2 \(a.group.label): CLV \(levels); Spearman(λ, CLV) \(ci(a.spearman.rho)) over \(a.runs) runs")
        }
        return out.joined(separator: "\n")
    }
}
