import Analysis
import Environments
import Foundation
import Linalg
import Model
import ResultStore

/// What one forward pass of the pretrained model says about a world (DESIGN.md section 10):
/// the four contribution scores between its trained environments, their spread σ, the
/// distribution similarity beside the old mean cosine, and pairwise OOD detection (MCM AUROC).
public struct PretrainedChecks: Sendable {
    /// The model's name on the suite's `models:` axis.
    public var model: String
    public var similarity: SimilaritySetting
    /// Trained environments, world order.
    public var environments: [String]
    public var con: ConScores
    /// DistributionSimilarity over pairs of trained environments, images and captions.
    public var distributionSimilarity: (images: Double, captions: Double)
    /// The figure shown as "measured SV/SL" so far: mean over pairs of mV(a)·mV(b) (mL likewise).
    public var meanCosine: (images: Double, captions: Double)
    /// auroc[a][b]: a's evaluation images (in) against b's (out), MCM over a's class prompts; NaN on the diagonal.
    public var pairwiseAUROC: [[Double]]
    /// Pearson over ordered pairs between Con_I→T(a,b) and AUROC(a,b) (the paper reports it negative).
    public var pearsonConAUROC: Double

    public init(world: PreparedWorld, model: String = "mlp-bag", similarity: SimilaritySetting, temperature: Double = 1) {
        self.model = model
        self.similarity = similarity
        let trained = world.trainedEnvironments
        environments = trained.map { world.data.names[$0] }
        let base = world.baseline
        let summaries = trained.map { base.summaries[$0] }
        con = ConScores(environments: environments, summaries: summaries)
        distributionSimilarity = (DistributionSimilarity.mean(summaries, side: .images) ?? .nan,
                                  DistributionSimilarity.mean(summaries, side: .captions) ?? .nan)
        var sv = 0.0, sl = 0.0, pairs = 0.0
        for a in summaries.indices {
            for b in summaries.indices where b > a {
                let p = pairScores(summaries[a], summaries[b])
                sv += p.vision; sl += p.language; pairs += 1
            }
        }
        meanCosine = pairs > 0 ? (sv / pairs, sl / pairs) : (.nan, .nan)
        let prompts = trained.map { world.pretrained.encodeText(world.data.evaluation[$0].promptTokens).embeddings }
        var auroc = [[Double]](repeating: [Double](repeating: .nan, count: trained.count), count: trained.count)
        var x: [Double] = [], y: [Double] = []
        for a in trained.indices {
            let inScores = MCMScore.scores(images: base.images[trained[a]], prompts: prompts[a], temperature: temperature)
            for b in trained.indices where b != a {
                let out = MCMScore.scores(images: base.images[trained[b]], prompts: prompts[a], temperature: temperature)
                auroc[a][b] = AUROC.mannWhitney(inDistribution: inScores, outOfDistribution: out)
                x.append(con.value(.imageToText, a, b)); y.append(auroc[a][b])
            }
        }
        pairwiseAUROC = auroc
        pearsonConAUROC = x.count > 1 ? Descriptive.pearson(x, y) : .nan
    }
}

/// The paper's checks over a suite's stored runs, with the pretrained model's scores of each
/// (model, similarity setting): T1 on the drift of CE, CLIP and their sum, T2 (CLV against λ),
/// σ and pairwise OOD. Protocols and models never pool (PaperCheckGroup).
public struct PaperChecks: Sendable {
    /// T1 for one (protocol, model, method label), so each λ is its own fit.
    public struct LossDrift: Sendable {
        public var group: PaperCheckGroup
        public var clipWeight: Double
        public var runs: Int
        public var decomposition: LossDecomposition
        /// Every run of the group stored its per-checkpoint CLIP losses. When not (external,
        /// imported, or stored before schema v7), only the ΔCE fit means anything.
        public var clipLossKnown: Bool
        public var method: String { group.method }
    }

    /// T2 for one (protocol, model, method family): the method and its parameters but λ.
    public struct AlignmentByWeight: Sendable {
        public var group: PaperCheckGroup
        /// (λ, mean CLV, n stages) per level, ascending λ.
        public var levels: [(clipWeight: Double, clv: Double, n: Int)]
        public var runs: Int
        public var spearman: RankCorrelationInterval
        public var family: String { group.method }
    }

    public var suite: String
    public var pretrained: [PretrainedChecks]
    public var lossDrift: [LossDrift]
    public var alignment: [AlignmentByWeight]
    /// Done built-in runs without per-checkpoint CLIP losses (stored before schema v7): their
    /// groups fit ΔCE only.
    public var runsWithoutCLIPLoss: Int

    /// `pretrained`: the checks of each (model, similarity setting) the runs use.
    public static func compute(suite: String, runs: [RunRecord], pretrained: [PretrainedChecks],
                               bootstrap: Bootstrap = Bootstrap()) -> PaperChecks {
        // By run key, not by storage order: parallel workers store runs in any order, and the
        // bootstrap's clusters follow the order of first appearance.
        let done = runs.filter { $0.status == .done && !$0.external }.sorted { $0.runKey < $1.runKey }
        func key(_ model: String, _ sv: Double, _ sl: Double) -> String { "\(model) \(sv) \(sl)" }
        let strata = Dictionary(pretrained.enumerated().map { (key($1.model, $1.similarity.sv, $1.similarity.sl), $0) }, uniquingKeysWith: { a, _ in a })

        // T1: one transition per consecutive pair of stages of every run.
        var transitions: [PaperCheckGroup: [LossTransition]] = [:], weights: [PaperCheckGroup: Double] = [:]
        var cellsOf: [PaperCheckGroup: Set<Int>] = [:], withoutCLIP = 0, unknownCLIP: Set<PaperCheckGroup> = []
        for (cell, r) in done.enumerated() {
            guard let s = strata[key(r.model, r.sv, r.sl)] else { continue }
            let p = pretrained[s]
            let steps = r.lossTransitions
            if !steps.allSatisfy({ $0.deltaCLIP != nil }) { withoutCLIP += 1; unknownCLIP.insert(r.lossDriftGroup) }
            for tr in steps {
                guard let a = p.environments.firstIndex(of: tr.from), let b = p.environments.firstIndex(of: tr.to) else { continue }
                transitions[r.lossDriftGroup, default: []].append(LossTransition(
                    cell: cell, stratum: s, deltaCE: tr.deltaCE, deltaCLIP: tr.deltaCLIP ?? 0, clipWeight: r.clipWeight,
                    conImageToText: p.con.value(.imageToText, a, b), conTextToImage: p.con.value(.textToImage, a, b)))
                weights[r.lossDriftGroup] = r.clipWeight
                cellsOf[r.lossDriftGroup, default: []].insert(cell)
            }
        }
        let drift = transitions.keys.sorted().map { g in
            LossDrift(group: g, clipWeight: weights[g]!, runs: cellsOf[g]!.count,
                      decomposition: LossDecomposition.analyse(transitions[g]!, bootstrap: bootstrap), clipLossKnown: !unknownCLIP.contains(g))
        }

        // T2: CLV(t) = matched alignment of t's evaluation pairs just after training t.
        var byFamily: [PaperCheckGroup: [(lambda: Double, clv: Double, cell: Int)]] = [:]
        for (cell, r) in done.enumerated() {
            for a in r.alignmentAfterTraining { byFamily[r.alignmentGroup, default: []].append((r.clipWeight, a.clv, cell)) }
        }
        let alignment = byFamily.keys.sorted().map { g -> AlignmentByWeight in
            let rows = byFamily[g]!
            let lambdas = Array(Set(rows.map(\.lambda))).sorted()
            let levels = lambdas.map { l -> (clipWeight: Double, clv: Double, n: Int) in
                // Summed in sorted order: runs differing only in λ come in another order (their
                // keys hash λ), and under frozen their CLVs are the same set, so the same mean bit for bit.
                let c = rows.filter { $0.lambda == l }.map(\.clv).sorted()
                return (l, Descriptive.mean(c), c.count)
            }
            let rho = RankCorrelationInterval.spearman(rows.map(\.lambda), rows.map(\.clv), clusters: rows.map(\.cell),
                                                       strata: rows.map { lambdas.firstIndex(of: $0.lambda)! }, bootstrap: bootstrap)
            return AlignmentByWeight(group: g, levels: levels, runs: Set(rows.map(\.cell)).count, spearman: rho)
        }
        return PaperChecks(suite: suite, pretrained: pretrained, lossDrift: drift, alignment: alignment, runsWithoutCLIPLoss: withoutCLIP)
    }
}

extension Suite {
    /// A suite from its stored text (the database keeps every suite a run came from).
    public static func parse(text: String, file: String) throws -> Suite {
        try SuiteParser(file: file, text: text).parse()
    }
}
