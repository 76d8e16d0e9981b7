import Analysis
import Continual
import Environments
import Foundation
import Linalg
import Model
import ResultStore
import Testing
@testable import Harness

/// OOD detection stored at every checkpoint (#16 item 6) against independent references: the
/// pretrained checks' own route, and MCM and the Mann-Whitney count redone here by naive loops
/// over embeddings computed afresh.
struct CheckpointOODTests {
    static var trained: [Int] { TinySettings.prepared.data.heldOut.indices.filter { !TinySettings.prepared.data.heldOut[$0] } }
    static var held: [Int] { TinySettings.prepared.data.heldOut.indices.filter { TinySettings.prepared.data.heldOut[$0] } }

    /// max_c softmax_c(cos(x, p_c)) by the textbook formula, in Double, one image at a time.
    static func naiveMCM(_ images: Matrix, _ prompts: [[Float]]) -> [Double] {
        (0..<images.rows).map { i in
            let x = (0..<images.cols).map { Double(images[i, $0]) }
            let cos = prompts.map { p -> Double in
                let q = p.map(Double.init)
                let d = zip(x, q).map { $0 * $1 }.reduce(0, +)
                return d / (x.map { $0 * $0 }.reduce(0, +).squareRoot() * q.map { $0 * $0 }.reduce(0, +).squareRoot())
            }
            let e = cos.map { Foundation.exp($0) }
            return e.max()! / e.reduce(0, +)
        }
    }

    /// P(in > out) + P(in = out)/2 by counting every pair.
    static func pairCount(_ inside: [Double], _ outside: [Double]) -> Double {
        var s = 0.0
        for x in inside { for y in outside { s += x > y ? 1 : (x == y ? 0.5 : 0) } }
        return s / Double(inside.count * outside.count)
    }

    static func rows(_ m: Matrix) -> [[Float]] { (0..<m.rows).map { r in (0..<m.cols).map { m[r, $0] } } }

    /// Fresh embeddings of environment `e` under `model`: evaluation images and class prompts.
    static func fresh(_ model: DualEncoder, _ e: Int) -> (images: Matrix, prompts: Matrix) {
        let d = TinySettings.prepared.data
        return (model.encodeImages(d.evaluation[e].images).embeddings, model.encodeText(d.evaluation[e].promptTokens).embeddings)
    }

    @Test func pretrainedPairwiseMatchesThePretrainedChecksAndABruteForceCount() throws {
        let p = TinySettings.prepared, s = TinySettings.make()
        let r = CellRunner(data: p.data, budget: s.budget, shapley: false)
        let st = r.initial(method: try MethodCatalog.make(name: "finetune", parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
        let checks = PretrainedChecks(world: p, similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        let t = Self.trained
        #expect(st.oodPairs.count == t.count * (t.count - 1) && st.oodPairs.allSatisfy { $0.stage == 0 })
        #expect(st.oodCumulative.isEmpty)  // nothing trained at stage 0
        for (ia, a) in t.enumerated() {
            let inFresh = Self.fresh(p.pretrained, a)
            let inside = Self.naiveMCM(inFresh.images, Self.rows(inFresh.prompts))
            for (ib, b) in t.enumerated() where b != a {
                let row = try #require(st.oodPairs.first { $0.inEnvironment == p.data.names[a] && $0.outEnvironment == p.data.names[b] })
                // The pretrained checks' route (analyze's pairwise matrix) gives the same number exactly.
                #expect(row.auroc == checks.pairwiseAUROC[ia][ib], "\(a)->\(b)")
                #expect(row.conImageToText == checks.con.value(.imageToText, ia, ib))
                let outside = Self.naiveMCM(Self.fresh(p.pretrained, b).images, Self.rows(inFresh.prompts))
                let brute = Self.pairCount(inside, outside)
                #expect(abs(row.auroc - brute) < 1e-12, "\(a)->\(b): stored \(row.auroc), brute force \(brute)")
                #expect(brute > 0 && brute < 1)  // a real detection problem, not a trivial one
            }
        }
    }

    @Test func cumulativeAUROCIsAMannWhitneyCountOverNaiveMCMScores() throws {
        let p = TinySettings.prepared, s = TinySettings.make()
        try #require(!Self.held.isEmpty)
        let r = CellRunner(data: p.data, budget: s.budget, shapley: false)
        var st = r.initial(method: try MethodCatalog.make(name: "finetune", parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
        var seen: [Double] = []
        for e in [Self.trained[1], Self.trained[0], Self.trained[2]] {
            st = try r.advance(st, environment: e, suiteSeed: 0, seed: 0, methodIdentity: "finetune")
            let model = st.model!, k = st.prefix.count
            // Union of the trained-so-far prompts by their text, each once, encoded afresh.
            var texts = Set<String>(), prompts: [[Float]] = []
            for t in st.prefix {
                let f = Self.rows(Self.fresh(model, t).prompts)
                for (c, text) in p.data.text[t].classPrompts.enumerated() where texts.insert(text).inserted { prompts.append(f[c]) }
            }
            let inside = st.prefix.flatMap { Self.naiveMCM(Self.fresh(model, $0).images, prompts) }
            let outside = Self.held.flatMap { Self.naiveMCM(Self.fresh(model, $0).images, prompts) }
            let stored = try #require(st.oodCumulative.last)
            #expect(stored.stage == k && st.oodCumulative.count == k)
            let brute = Self.pairCount(inside, outside)
            #expect(abs(stored.auroc - brute) < 1e-12, "stage \(k): stored \(stored.auroc), brute force \(brute)")
            seen.append(stored.auroc)
            // The pairwise rows of this stage cover every ordered pair of trained environments.
            #expect(st.oodPairs.filter { $0.stage == k }.count == 6)
        }
        #expect(Set(seen).count > 1)  // the figure moves as environments are trained
    }

    /// Frozen encoders: MCM reads the pretrained prompts and images at every stage, so the
    /// pairwise AUROC is bit-identical at every stage; under adaptive it moves.
    @Test func frozenPairwiseAUROCIsTheSameAtEveryStage() throws {
        let p = TinySettings.prepared, s = TinySettings.make()
        func pairs(_ r: CellRunner) throws -> [[RunRecord.OODPairRow]] {
            var st = r.initial(method: try MethodCatalog.make(name: "finetune", parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
            for e in Self.trained { st = try r.advance(st, environment: e, suiteSeed: 0, seed: 0, methodIdentity: "finetune") }
            return (0...Self.trained.count).map { k in st.oodPairs.filter { $0.stage == k } }
        }
        let frozen = try pairs(FrozenProtocolTests.runner(p, s))
        let adaptive = try pairs(CellRunner(data: p.data, budget: s.budget, shapley: false))
        let strip = { (rows: [RunRecord.OODPairRow]) in rows.map { [$0.inEnvironment, $0.outEnvironment, "\($0.auroc)", "\($0.conImageToText)"] } }
        #expect(frozen[0].count == 6)
        for k in 1..<frozen.count { #expect(strip(frozen[k]) == strip(frozen[0]), "frozen stage \(k)") }
        #expect(strip(adaptive[0]) == strip(frozen[0]))
        #expect((1..<adaptive.count).contains { strip(adaptive[$0]) != strip(adaptive[0]) })
    }

    /// The stored outcome T3 reads: the cumulative AUROC after the last stage.
    @Test func orderingOutcomeReadsTheLastStagesCumulativeAUROC() {
        let prov = RunRecord.Provenance(commit: "c", dirty: false, cpu: "cpu", cores: 1, os: "os", swift: "6", openblas: "0", openblasCore: "x", threads: 1)
        var r = RunRecord(cellHash: "h", suiteName: "s", suiteHash: "sh", suiteText: "", methodLabel: "finetune", methodName: "finetune",
                          methodParameters: "{}", sv: 0.5, sl: 0.5, seed: 0, order: ["a", "b"], status: .done, wallSeconds: 1,
                          finishedAt: "now", provenance: prov)
        #expect(OrderingChecks.outcomes(r)[.oodAUROC] == nil)
        r.oodCumulative = [.init(stage: 1, auroc: 0.6), .init(stage: 2, auroc: 0.7)]
        #expect(OrderingChecks.outcomes(r)[.oodAUROC] == 0.7)
    }

    /// What the page and analyze show, by hand: means, the Pearson of four points, groups apart.
    @Test func summaryPoolsRunsPerGroupAsWorkedByHand() {
        let prov = RunRecord.Provenance(commit: "c", dirty: false, cpu: "cpu", cores: 1, os: "os", swift: "6", openblas: "0", openblasCore: "x", threads: 1)
        func run(_ seed: Int, pairs: [(Double, Double)], cumulative: [Double], protocol p: String = "adaptive", external: Bool = false) -> RunRecord {
            var r = RunRecord(cellHash: "h\(seed)\(p)", suiteName: "s", suiteHash: "sh", suiteText: "", methodLabel: "finetune", methodName: "finetune",
                              methodParameters: "{}", external: external, sv: 0.5, sl: 0.5, seed: seed, order: ["a", "b"], status: .done,
                              wallSeconds: 1, finishedAt: "now", provenance: prov)
            r.trainingProtocol = p
            r.oodPairs = [.init(stage: 0, inEnvironment: "a", outEnvironment: "b", auroc: pairs[0].1, conImageToText: pairs[0].0),
                          .init(stage: 0, inEnvironment: "b", outEnvironment: "a", auroc: pairs[1].1, conImageToText: pairs[1].0)]
            r.oodCumulative = cumulative.enumerated().map { .init(stage: $0.offset + 1, auroc: $0.element) }
            return r
        }
        let runs = [run(0, pairs: [(0.1, 0.9), (0.2, 0.8)], cumulative: [0.6, 0.5]),
                    run(1, pairs: [(0.3, 0.6), (0.4, 0.5)], cumulative: [0.8, 0.7]),
                    run(2, pairs: [(0.3, 0.1), (0.4, 0.1)], cumulative: [0.1, 0.1], external: true),
                    run(3, pairs: [(0.1, 0.5), (0.2, 0.5)], cumulative: [0.9, 0.9], protocol: "frozen")]
        let g = OODSummary.compute(runs: runs, bootstrap: Bootstrap(resamples: 200))
        #expect(g.map(\.group.trainingProtocol) == ["adaptive", "frozen"] && g[0].runs == 2)
        // x = 0.1..0.4, y = 0.9, 0.8, 0.6, 0.5: Sxy = -0.07, Sxx = 0.05, Syy = 0.1.
        #expect(abs(g[0].pearsonPretrained - (-0.07 / (0.05 * 0.1).squareRoot())) < 1e-12 && g[0].pretrainedPairs == 4)
        #expect(g[0].stages.map(\.stage) == [0, 1, 2] && g[0].stages[0].cumulative == nil)
        #expect(abs(g[0].stages[0].pairwiseMean - 0.7) < 1e-12 && g[0].stages[0].pairs == 4 && g[0].stages[1].pairs == 0)
        #expect(abs(g[0].stages[1].cumulative!.estimate - 0.7) < 1e-12 && abs(g[0].stages[2].cumulative!.estimate - 0.6) < 1e-12)
        #expect(g[0].stages[1].cumulative!.n == 2 && g[0].stages[1].cumulative!.low >= 0.6 && g[0].stages[1].cumulative!.high <= 0.8)
        #expect(g[1].pearsonPretrained.isNaN)  // two points: undefined, not ±1
    }
}
