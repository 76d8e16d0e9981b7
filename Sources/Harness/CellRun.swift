import Analysis
import Continual
import Foundation
import Linalg
import Model

/// What stage t did to an earlier environment s: the contribution scores (DESIGN.md section 5)
/// and the forgetting f(s, t) = R[t-1][s] - R[t][s].
public struct StageContribution: Sendable, Codable, Equatable {
    public var stage: Int
    public var trained: String
    public var earlier: String
    public var sv: Double, sl: Double, sxEarlierTrained: Double, sxTrainedEarlier: Double
    public var driftVision: Double, driftLanguage: Double
    public var forgetting: Double

    public var scores: [Double] { [sv, sl, sxEarlierTrained, sxTrainedEarlier, driftVision, driftLanguage] }
}

/// Exact Shapley attribution of R[t][e] - R[t-1][e] to the stage's vision, language and shared updates.
public struct StageAttribution: Sendable, Codable, Equatable {
    public var stage: Int
    public var environment: String
    public var accuracy: [Double]  // vision, language, shared
    public var loss: [Double]
}

/// Per environment and stage: the embedding summaries the report shows.
public struct EmbeddingStats: Sendable, Codable, Equatable {
    public var stage: Int
    public var environment: String
    public var alignment: Double
    public var modalityGap: Double
    public var iimm: Double?
}

/// The outcome of one cell.
public struct CellResult: Sendable {
    /// Column names: trained environments in order, then held-out.
    public var columns: [String]
    public var trainedCount: Int
    /// Rows 0 (pretrained) ... T.
    public var accuracy: [[Double]]
    public var loss: [[Double]]
    public var contributions: [StageContribution]
    public var attributions: [StageAttribution]
    public var embeddingStats: [EmbeddingStats]
    public var metrics: [ContinualMetric: MetricValue]
    /// Measured similarity of the trained environments under the pretrained model (mean over pairs).
    public var measuredSV: Double
    public var measuredSL: Double
}

/// Runs one cell: an order of trained environments, a method, a seed.
public struct CellRunner {
    public var data: WorldData
    public var budget: TrainingBudget
    public var shapley: Bool

    public init(data: WorldData, budget: TrainingBudget, shapley: Bool) {
        self.data = data
        self.budget = budget
        self.shapley = shapley
    }

    /// The stage key: a hash of (suite seed, method with parameters, order prefix), so cells
    /// sharing a prefix train identically.
    public static func stageKey(seed: Int, method: String, prefix: [String]) -> RandomKey {
        RandomKey("stage", .int(seed), .string(method), .string(prefix.joined(separator: ">")))
    }

    struct Checkpoint {
        var accuracy: [Double]
        var loss: [Double]
        var images: [Matrix]
        var captions: [Matrix]
    }

    /// Evaluates every column (order then held-out) and keeps the embeddings.
    func evaluateAll(_ model: DualEncoder, columns: [Int]) -> Checkpoint {
        var c = Checkpoint(accuracy: [], loss: [], images: [], captions: [])
        for e in columns {
            let ev = data.evaluation[e]
            let r = evaluate(model: model, images: ev.images, labels: ev.labels, promptTokens: ev.promptTokens,
                             captionTokens: ev.captionTokens)
            c.accuracy.append(r.accuracy)
            c.loss.append(r.loss)
            c.images.append(r.imageEmbeddings!)
            c.captions.append(r.captionEmbeddings!)
        }
        return c
    }

    /// `order` holds indices of trained environments; `methodLabel` names the method with its
    /// parameters (it enters the seed). `onStage` is called after each stage.
    public func run(order: [Int], method: any ContinualMethod, methodLabel: String, seed: Int, pretrained: DualEncoder,
                    onStage: ((Int) -> Void)? = nil) throws -> CellResult {
        let held = data.heldOut.indices.filter { data.heldOut[$0] }
        let columns = order + held
        let names = columns.map { data.names[$0] }
        var model = pretrained
        var m = method
        var checkpoints = [evaluateAll(model, columns: columns)]
        var contributions: [StageContribution] = [], attributions: [StageAttribution] = [], stats: [EmbeddingStats] = []
        stats += embeddingStats(stage: 0, checkpoints[0], names: names, columns: columns)
        for (t, env) in order.enumerated() {
            let stage = t + 1
            let ctx = StageContext(stage: stage, environments: order[0...t].map { data.training[$0] },
                                   key: Self.stageKey(seed: seed, method: methodLabel, prefix: order[0...t].map { data.names[$0] }),
                                   budget: budget)
            let before = model
            try m.train(&model, ctx)
            let cp = evaluateAll(model, columns: columns)
            let prev = checkpoints[t]
            checkpoints.append(cp)
            stats += embeddingStats(stage: stage, cp, names: names, columns: columns)
            // Contribution of stage t (training column t) to each earlier trained column s.
            let prevSummaries = (0..<columns.count).map { EmbeddingSummary(EnvironmentEmbeddings(images: prev.images[$0], captions: prev.captions[$0])) }
            for s in 0..<t {
                let sc = pairScores(prevSummaries[s], prevSummaries[t])
                contributions.append(StageContribution(
                    stage: stage, trained: data.names[env], earlier: names[s], sv: sc.vision, sl: sc.language,
                    sxEarlierTrained: sc.crossAB, sxTrainedEarlier: sc.crossBA,
                    driftVision: drift(cp.images[s], prev.images[s]), driftLanguage: drift(cp.captions[s], prev.captions[s]),
                    forgetting: prev.accuracy[s] - cp.accuracy[s]))
            }
            if shapley {
                attributions += attribute(stage: stage, before: before, after: model, prev: prev, now: cp, columns: columns, names: names)
            }
            onStage?(stage)
        }
        let acc = checkpoints.map(\.accuracy)
        let matrix = try AccuracyMatrix(values: acc, heldOutCount: held.count, hasBaseline: true)
        let s0 = (0..<order.count).map { EmbeddingSummary(EnvironmentEmbeddings(images: checkpoints[0].images[$0], captions: checkpoints[0].captions[$0])) }
        var sv = 0.0, sl = 0.0, pairs = 0
        for a in 0..<order.count { for b in (a + 1)..<max(a + 1, order.count) where b < order.count {
            let p = pairScores(s0[a], s0[b]); sv += p.vision; sl += p.language; pairs += 1
        } }
        return CellResult(columns: names, trainedCount: order.count, accuracy: acc, loss: checkpoints.map(\.loss),
                          contributions: contributions, attributions: attributions, embeddingStats: stats,
                          metrics: continualMetrics(matrix),
                          measuredSV: pairs > 0 ? sv / Double(pairs) : .nan, measuredSL: pairs > 0 ? sl / Double(pairs) : .nan)
    }

    func embeddingStats(stage: Int, _ cp: Checkpoint, names: [String], columns: [Int]) -> [EmbeddingStats] {
        (0..<columns.count).map { i in
            let e = EnvironmentEmbeddings(images: cp.images[i], captions: cp.captions[i])
            let s = EmbeddingSummary(e)
            return EmbeddingStats(stage: stage, environment: names[i], alignment: s.matchedAlignment, modalityGap: s.modalityGap, iimm: nil)
        }
    }

    /// Exact Shapley values over the three parameter groups: v(S) evaluates theta_{t-1} with the
    /// updates of the groups in S applied.
    func attribute(stage: Int, before: DualEncoder, after: DualEncoder, prev: Checkpoint, now: Checkpoint,
                   columns: [Int], names: [String]) -> [StageAttribution] {
        let groups = Model.ParameterGroup.allCases
        var acc = [[Double]](repeating: [], count: 8), loss = acc
        acc[0] = prev.accuracy; loss[0] = prev.loss
        acc[7] = now.accuracy; loss[7] = now.loss
        let afterTensors = after.tensors
        for mask in 1..<7 {
            var mixed = before
            mixed.forEachTensor { k, g, t in
                if mask & (1 << groups.firstIndex(of: g)!) != 0 { t = afterTensors[k].value }
            }
            for e in columns {
                let ev = data.evaluation[e]
                let r = evaluate(model: mixed, images: ev.images, labels: ev.labels, promptTokens: ev.promptTokens)
                acc[mask].append(r.accuracy)
                loss[mask].append(r.loss)
            }
        }
        return (0..<columns.count).map { i in
            StageAttribution(stage: stage, environment: names[i],
                             accuracy: shapleyValues(players: 3) { acc[$0][i] },
                             loss: shapleyValues(players: 3) { loss[$0][i] })
        }
    }
}
