import Analysis
import Environments
import Foundation
import Linalg
import ResultStore
import Testing
@testable import Harness

/// The pretrained checks against their definitions, and T1/T2 read from stored runs by hand.
struct PaperChecksTests {
    @Test func pretrainedChecksFollowTheirDefinitions() {
        let p = TinySettings.prepared
        let c = PretrainedChecks(world: p, similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        let trained = p.trainedEnvironments
        #expect(c.environments == ["env1", "env2", "env3"])
        for a in trained.indices {
            #expect(c.pairwiseAUROC[a][a].isNaN)
            let prompts = p.pretrained.encodeText(p.data.evaluation[trained[a]].promptTokens).embeddings
            let inside = MCMScore.scores(images: p.baseline.images[trained[a]], prompts: prompts)
            for b in trained.indices where b != a {
                let sc = pairScores(p.baseline.summaries[trained[a]], p.baseline.summaries[trained[b]])
                #expect(c.con.value(.imageToText, a, b) == sc.crossAB && c.con.value(.imageToImage, a, b) == sc.vision)
                let outside = MCMScore.scores(images: p.baseline.images[trained[b]], prompts: prompts)
                var pairs = 0.0
                for x in inside { for y in outside { pairs += x > y ? 1 : (x == y ? 0.5 : 0) } }
                #expect(abs(c.pairwiseAUROC[a][b] - pairs / Double(inside.count * outside.count)) < 1e-12)
            }
        }
        let x = (0..<3).flatMap { a in (0..<3).filter { $0 != a }.map { c.con.value(.imageToText, a, $0) } }
        let y = (0..<3).flatMap { a in (0..<3).filter { $0 != a }.map { c.pairwiseAUROC[a][$0] } }
        #expect(abs(c.pearsonConAUROC - Descriptive.pearson(x, y)) < 1e-12)
    }

    func record(order: [String], parameters: String, loss: [[Double]], alignment: [[Double]], seed: Int,
                clipLoss: [[Double]]? = nil, trainingProtocol: String = "adaptive") -> RunRecord {
        let prov = RunRecord.Provenance(commit: "c", dirty: false, cpu: "cpu", cores: 1, os: "os", swift: "6", openblas: "0",
                                        openblasCore: "x", threads: 1)
        var r = RunRecord(cellHash: "h\(seed)\(parameters)\(order.joined())\(trainingProtocol)", suiteName: "s", suiteHash: "sh", suiteText: "", methodLabel: "finetune " + parameters,
                          methodName: "finetune", methodParameters: parameters, sv: 0.5, sl: 0.5, seed: seed, order: order,
                          status: .done, wallSeconds: 1, finishedAt: "now", provenance: prov)
        r.trainingProtocol = trainingProtocol
        for t in loss.indices {
            for (j, e) in order.enumerated() {
                r.accuracy.append(.init(stage: t, column: j, environment: e, heldOut: false, accuracy: 0.5, loss: loss[t][j]))
                r.embeddings.append(.init(stage: t, environment: e, alignment: alignment[t][j], modalityGap: 0,
                                          clipLoss: clipLoss.map { $0[t][j] }))
            }
        }
        return r
    }

    @Test func lossDriftAndAlignmentReadTheRightStages() {
        let c = PretrainedChecks(world: TinySettings.prepared, similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        // Columns in order position; rows are stages 0...3. Order A = env2, env1, env3 has the
        // transitions env2 -> env1 (stage 1 -> 2, column 0) and env1 -> env3 (stage 2 -> 3, column 1);
        // order B = env3, env1, env2 has env3 -> env1 and env1 -> env2.
        let loss: [[Double]] = [[1, 1, 1], [0.5, 0.9, 1], [0.7, 0.4, 0.9], [0.8, 0.6, 0.3]]
        var lossB = loss
        lossB[2][0] = 0.8; lossB[3][1] = 0.65
        let align: [[Double]] = [[0, 0, 0], [0.1, 0, 0], [0, 0.2, 0], [0, 0, 0.3]]
        let clip: [[Double]] = [[2, 2, 2], [1.5, 2, 2], [1.75, 1.25, 2], [1.5, 1.05, 1]]
        let still = [[Double]](repeating: [2, 2, 2], count: 4)
        let a = ["env2", "env1", "env3"], b = ["env3", "env1", "env2"]
        let five = "{\"clip_weight\":5}"
        let runs = [
            record(order: a, parameters: "{}", loss: loss, alignment: align, seed: 0, clipLoss: clip),
            record(order: b, parameters: "{}", loss: lossB, alignment: align, seed: 0, clipLoss: clip),
            record(order: a, parameters: five, loss: loss, alignment: align.map { $0.map { $0 * 2 } }, seed: 0, clipLoss: clip),
            record(order: b, parameters: five, loss: lossB, alignment: align.map { $0.map { $0 * 2 } }, seed: 0, clipLoss: clip),
            // The same method under frozen: its own group, never pooled with adaptive.
            record(order: a, parameters: five, loss: loss, alignment: align, seed: 1, clipLoss: still, trainingProtocol: "frozen"),
            // Stored before schema v7: no CLIP losses, its group fits ΔCE only.
            record(order: a, parameters: "{\"clip_weight\":1}", loss: loss, alignment: align, seed: 2),
        ]
        let checks = PaperChecks.compute(suite: "s", runs: runs, pretrained: [c], bootstrap: Bootstrap(resamples: 50))
        #expect(checks.runsWithoutCLIPLoss == 1)
        // The intervals do not depend on the order the runs were stored in (parallel workers).
        let shuffled = PaperChecks.compute(suite: "s", runs: [runs[3], runs[5], runs[0], runs[4], runs[1], runs[2]], pretrained: [c],
                                           bootstrap: Bootstrap(resamples: 50))
        // (Compared as text: undefined intervals are NaN, which == never matches.)
        let text = { (c: PaperChecks) in c.lossDrift.map { d in LossComponent.allCases.map { "\(d.decomposition.fits[$0]!)" } + ["\(d.decomposition.signFlips)"] } }
        #expect(text(shuffled) == text(checks))
        #expect("\(shuffled.alignment.map(\.spearman))" == "\(checks.alignment.map(\.spearman))")
        let one = "{\"clip_weight\":1}"
        #expect(checks.lossDrift.map(\.group.label) == ["adaptive · mlp-bag · finetune " + five, "adaptive · mlp-bag · finetune {}",
                                                       "frozen · mlp-bag · finetune " + five, "adaptive · mlp-bag · finetune " + one].sorted())
        // Sorted by label, the λ = 1 group (no CLIP losses) comes first.
        #expect(!checks.lossDrift[0].clipLossKnown && checks.lossDrift[0].decomposition.n == 2)
        let drift = Array(checks.lossDrift.dropFirst())
        #expect(drift.allSatisfy { $0.clipLossKnown })
        #expect(drift.map(\.clipWeight) == [5, 0, 5])
        #expect(drift.map(\.decomposition.n) == [4, 4, 2] && drift.map(\.runs) == [2, 2, 1])
        // By hand: Con of each transition (environment indices env1 0, env2 1, env3 2), ΔCE, ΔCLIP.
        let pairs = [(1, 0), (0, 2), (2, 0), (0, 1)]
        let x = pairs.map { [c.con.value(.imageToText, $0.0, $0.1), c.con.value(.textToImage, $0.0, $0.1)] }
        let deltaCE = [0.7 - 0.5, 0.6 - 0.4, 0.8 - 0.5, 0.65 - 0.4]
        let deltaCLIP = [1.75 - 1.5, 1.05 - 1.25, 1.75 - 1.5, 1.05 - 1.25]
        for (d, lambda) in [(drift[1].decomposition, 0.0), (drift[0].decomposition, 5.0)] {
            let expected: [LossComponent: [Double]] = [.ce: deltaCE, .clip: deltaCLIP,
                                                       .loss: zip(deltaCE, deltaCLIP).map { $0 + lambda * $1 }]
            for (component, y) in expected {
                let fit = LeastSquares.fit(x: x, y: y)
                let got = d.fits[component]!
                #expect(abs(got.alpha.estimate - fit.coefficients[0]) < 1e-9, "\(component) λ \(lambda)")
                #expect(abs(got.beta1.estimate - fit.coefficients[1]) < 1e-9 && abs(got.beta2.estimate - fit.coefficients[2]) < 1e-9)
            }
        }
        // ΔLOSS at λ = 5: 0.2 - 5·0.2 < 0 and 0.25 - 5·0.2 < 0 against ΔCE > 0: two sign flips, none at λ = 0.
        #expect(drift[1].decomposition.signFlips == 0 && drift[0].decomposition.signFlips == 2)
        // Frozen: the CLIP loss never moves, ΔCLIP is a constant 0 with nothing to explain.
        #expect(drift[2].decomposition.fits[.clip]!.constantResponse)
        // T2: one family across λ per protocol; CLV of each trained environment just after its stage.
        #expect(checks.alignment.map(\.group.label) == ["adaptive · mlp-bag · finetune", "frozen · mlp-bag · finetune"])
        let levels = checks.alignment[0].levels
        #expect(levels.map(\.clipWeight) == [0, 1, 5] && levels.map(\.n) == [6, 3, 6])
        #expect(abs(levels[0].clv - 0.2) < 1e-12 && abs(levels[1].clv - 0.2) < 1e-12 && abs(levels[2].clv - 0.4) < 1e-12)
        #expect(checks.alignment[0].runs == 5 && checks.alignment[1].runs == 1)
    }
}
