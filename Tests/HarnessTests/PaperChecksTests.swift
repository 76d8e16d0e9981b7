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

    func record(order: [String], parameters: String, loss: [[Double]], alignment: [[Double]], seed: Int) -> RunRecord {
        let prov = RunRecord.Provenance(commit: "c", dirty: false, cpu: "cpu", cores: 1, os: "os", swift: "6", openblas: "0",
                                        openblasCore: "x", threads: 1)
        var r = RunRecord(cellHash: "h\(seed)\(parameters)", suiteName: "s", suiteHash: "sh", suiteText: "", method: "finetune " + parameters,
                          methodName: "finetune", methodParameters: parameters, sv: 0.5, sl: 0.5, seed: seed, order: order,
                          status: .done, wallSeconds: 1, finishedAt: "now", provenance: prov)
        for t in loss.indices {
            for (j, e) in order.enumerated() {
                r.accuracy.append(.init(stage: t, column: j, environment: e, heldOut: false, accuracy: 0.5, loss: loss[t][j]))
                r.embeddings.append(.init(stage: t, environment: e, alignment: alignment[t][j], modalityGap: 0))
            }
        }
        return r
    }

    @Test func lossDriftAndAlignmentReadTheRightStages() {
        let c = PretrainedChecks(world: TinySettings.prepared, similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        // Columns in order env2, env1, env3; rows 0...3. Transitions: env2 (stage 1 -> 2) and env1 (stage 2 -> 3).
        let loss: [[Double]] = [[1, 1, 1], [0.5, 0.9, 1], [0.7, 0.4, 0.9], [0.8, 0.6, 0.3]]
        let align: [[Double]] = [[0, 0, 0], [0.1, 0, 0], [0, 0.2, 0], [0, 0, 0.3]]
        let order = ["env2", "env1", "env3"]
        let runs = [
            record(order: order, parameters: "{}", loss: loss, alignment: align, seed: 0),
            record(order: order, parameters: "{\"clip_weight\":5}", loss: loss, alignment: align.map { $0.map { $0 * 2 } }, seed: 0),
        ]
        let checks = PaperChecks.compute(suite: "s", runs: runs, pretrained: [c], bootstrap: Bootstrap(resamples: 50))
        #expect(checks.lossDrift.count == 2 && checks.lossDrift.allSatisfy { $0.decomposition.n == 2 && $0.runs == 1 })
        #expect(checks.lossDrift.map(\.clipWeight).sorted() == [0, 5])
        // ΔCE: env2 0.7 - 0.5, env1 0.6 - 0.4; the fit through two points with two scores is exact.
        let fit = checks.lossDrift[0].decomposition.fits[.ce]!
        let x1 = [c.con.value(.imageToText, 1, 0), c.con.value(.imageToText, 0, 2)]
        let x2 = [c.con.value(.textToImage, 1, 0), c.con.value(.textToImage, 0, 2)]
        let full = LeastSquares.fit(x: [[x1[0], x2[0]], [x1[1], x2[1]]], y: [0.7 - 0.5, 0.6 - 0.4])
        #expect(abs(fit.beta1.estimate - full.coefficients[1]) < 1e-12 && abs(fit.alpha.estimate - full.coefficients[0]) < 1e-12)
        // T2: one family across λ; CLV of each trained environment just after its stage.
        #expect(checks.alignment.count == 1 && checks.alignment[0].family == "finetune")
        let levels = checks.alignment[0].levels
        #expect(levels.map(\.clipWeight) == [0, 5] && levels.map(\.n) == [3, 3])
        #expect(abs(levels[0].clv - 0.2) < 1e-12 && abs(levels[1].clv - 0.4) < 1e-12)
        #expect(checks.alignment[0].runs == 2)
    }
}
