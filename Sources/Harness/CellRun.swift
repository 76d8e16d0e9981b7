import Analysis
import Continual
import Foundation
import Linalg
import Model
import ResultStore

/// What stage t did to an earlier environment s (one type from the trainer to the store).
public typealias StageContribution = RunRecord.ContributionRow

/// Exact Shapley attribution of R[t][e] - R[t-1][e] to the stage's vision, language and shared updates.
public typealias StageAttribution = RunRecord.AttributionRow

/// Per environment and stage: the embedding summaries the report shows (one type from the
/// trainer to the store).
public typealias EmbeddingStats = RunRecord.EmbeddingRow

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
    /// Mean cross-environment cosine of the trained environments under the pretrained model, mean
    /// over pairs of mV(a)·mV(b) (mL for SL): stored as measured_sv/sl; it falls as environments spread.
    public var measuredSV: Double
    public var measuredSL: Double
    /// The similarity that follows the dials (DistributionSimilarity, mean over pairs), images and captions.
    public var distributionSimilarity: (images: Double, captions: Double) = (.nan, .nan)
    /// Training and evaluation time along the cell's path, shared prefix stages included.
    public var seconds: Double
    /// OOD detection at every checkpoint, stage 0 included (empty for external methods).
    public var oodPairs: [RunRecord.OODPairRow] = []
    public var oodCumulative: [RunRecord.OODCumulativeRow] = []
    /// The four contribution scores of every ordered pair of trained environments at every checkpoint, stage 0 included.
    public var conPairs: [RunRecord.ConPairRow] = []
    /// The gradient alignment of every stage k ≥ 2 (adaptive built-in cells only).
    public var gradientAlignment: [RunRecord.GradientAlignmentRow] = []
}

/// The evaluation of one checkpoint on every environment of the world (world order). (Not
/// Model.Checkpoint, which is the weights on disk.)
public struct CheckpointEvaluation: Sendable {
    private(set) var accuracy: [Double] = []
    private(set) var loss: [Double] = []
    private(set) var images: [Matrix] = []
    private(set) var captions: [Matrix] = []
    /// Symmetric InfoNCE of each environment's evaluation pairs at the checkpoint's logit scale
    /// (nil when the checkpoint has none: external methods).
    private(set) var clipLoss: [Double?] = []
    /// Each environment's class-prompt embeddings at the checkpoint, the in-distribution side of
    /// MCM (nil when the checkpoint has none: external methods return no prompt embeddings).
    private(set) var prompts: [Matrix?] = []
    /// Each environment's embedding summary, made once here: the embedding statistics of this
    /// stage and the contribution scores of the next both read it.
    private(set) var summaries: [EmbeddingSummary] = []

    mutating func append(accuracy a: Double, loss l: Double, images v: Matrix, captions u: Matrix, clipLoss c: Double? = nil,
                         prompts p: Matrix? = nil) {
        accuracy.append(a)
        loss.append(l)
        images.append(v)
        captions.append(u)
        clipLoss.append(c)
        prompts.append(p)
        summaries.append(EmbeddingSummary(EnvironmentEmbeddings(images: v, captions: u)))
    }

    /// A reading of environment `e` whose embeddings are those of `other` (the frozen protocol).
    mutating func append(accuracy a: Double, loss l: Double, reusing other: CheckpointEvaluation, environment e: Int) {
        accuracy.append(a)
        loss.append(l)
        images.append(other.images[e])
        captions.append(other.captions[e])
        clipLoss.append(other.clipLoss[e])
        prompts.append(other.prompts[e])
        summaries.append(other.summaries[e])
    }
}

/// Everything known after training a prefix of an order: the planner keeps one per trie node,
/// so cells sharing the prefix continue from it instead of retraining it.
public struct PrefixState: Sendable {
    /// Model and method state; nil for external methods, whose state lives in their own process.
    public var model: DualEncoder?
    var method: (any ContinualMethod)?
    /// World indices of the environments trained so far, in order.
    public var prefix: [Int]
    var checkpoints: [CheckpointEvaluation]
    var contributions: [StageContribution] = []
    var attributions: [StageAttribution] = []
    var stats: [EmbeddingStats] = []
    var oodPairs: [RunRecord.OODPairRow] = []
    var oodCumulative: [RunRecord.OODCumulativeRow] = []
    var conPairs: [RunRecord.ConPairRow] = []
    var gradientAlignment: [RunRecord.GradientAlignmentRow] = []
    /// The frozen protocol's shared head (nil under adaptive, and before the first frozen stage).
    var frozenHead: FrozenHeadState?
    public var seconds: Double = 0
}

/// Trains and evaluates cells stage by stage.
public struct CellRunner: Sendable {
    public var data: WorldData
    public var budget: TrainingBudget
    public var shapley: Bool
    /// How stages train: adaptive (encoders) or frozen (the shared head).
    public var trainingProtocol: TrainingProtocol
    /// The world's frozen training embeddings, shared by the cells of the world.
    public var frozenEmbeddings: FrozenEmbeddingCache
    /// Measures each adaptive stage's gradient alignment (k ≥ 2). Off only in the test that
    /// checks measuring leaves training bit for bit unchanged.
    public var measuresGradientAlignment = true

    public init(data: WorldData, budget: TrainingBudget, shapley: Bool, trainingProtocol: TrainingProtocol = .adaptive,
                frozenEmbeddings: FrozenEmbeddingCache = FrozenEmbeddingCache()) {
        self.data = data
        self.budget = budget
        self.shapley = shapley
        self.trainingProtocol = trainingProtocol
        self.frozenEmbeddings = frozenEmbeddings
    }

    /// The stage key: a hash of (suite seed, cell seed, method identity, order prefix), so
    /// cells sharing a prefix train identically.
    public static func stageKey(suiteSeed: Int, seed: Int, method: String, prefix: [String]) -> RandomKey {
        RandomKey("stage", .int(suiteSeed), .int(seed), .string(method), .string(prefix.joined(separator: ">")))
    }

    /// MCM's temperature τ for the stored OOD figures (Ming et al.'s default).
    public static let mcmTemperature = 1.0

    /// Evaluates every environment of the world and keeps the embeddings (class prompts included, for OOD).
    public func evaluateAll(_ model: DualEncoder) -> CheckpointEvaluation {
        var c = CheckpointEvaluation()
        for ev in data.evaluation {
            let r = evaluate(model: model, images: ev.images, labels: ev.labels, promptTokens: ev.promptTokens,
                             captionTokens: ev.captionTokens)
            let v = r.imageEmbeddings!, u = r.captionEmbeddings!
            c.append(accuracy: r.accuracy, loss: r.loss, images: v, captions: u,
                     clipLoss: contrastiveLossValue(images: v, captions: u, logScale: model.logScale.storage[0]),
                     prompts: r.promptEmbeddings)
        }
        return c
    }

    public func initial(method: (any ContinualMethod)?, pretrained: DualEncoder?, baseline: CheckpointEvaluation) -> PrefixState {
        var s = PrefixState(model: pretrained, method: method, prefix: [], checkpoints: [baseline])
        s.stats = embeddingStats(stage: 0, baseline)
        recordOOD(&s, baseline)
        recordCon(&s, baseline)
        return s
    }

    /// Trains the next environment of a prefix and evaluates everything.
    public func advance(_ state: PrefixState, environment env: Int, suiteSeed: Int, seed: Int, methodIdentity: String) throws -> PrefixState {
        if trainingProtocol == .frozen {
            return try advanceFrozen(state, environment: env, suiteSeed: suiteSeed, seed: seed, methodIdentity: methodIdentity)
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var s = state
        let t = s.prefix.count
        let stage = t + 1
        let prefix = s.prefix + [env]
        var ctx = StageContext(stage: stage, environments: prefix.map { data.training[$0] },
                               key: Self.stageKey(suiteSeed: suiteSeed, seed: seed, method: methodIdentity,
                                                  prefix: prefix.map { data.names[$0] }),
                               budget: budget)
        guard var model = s.model, var method = s.method else { preconditionFailure("advance needs a built-in method") }
        let before = model
        let probe = stage >= 2 && measuresGradientAlignment ? FirstGradientProbe() : nil
        ctx.firstGradient = probe
        try method.train(&model, ctx)
        if let capture = probe?.capture {
            s.gradientAlignment.append(.init(stage: stage, alignment: Self.alignment(capture, before: before,
                                                                                     earlier: Array(ctx.environments.dropLast()))))
        }
        s.model = model
        s.method = method
        let cp = evaluateAll(model)
        let prev = s.checkpoints[t]
        appendCheckpoint(&s, environment: env, checkpoint: cp)
        if shapley { s.attributions += attribute(stage: stage, before: before, after: model, prev: prev, now: cp) }
        s.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return s
    }

    /// Records stage t+1 (training `env`) from its evaluation: the checkpoint, embedding
    /// statistics and the contributions to every earlier environment.
    public func appendCheckpoint(_ s: inout PrefixState, environment env: Int, checkpoint cp: CheckpointEvaluation) {
        let t = s.prefix.count
        let stage = t + 1
        let prev = s.checkpoints[t]
        s.prefix.append(env)
        s.checkpoints.append(cp)
        s.stats += embeddingStats(stage: stage, cp)
        recordOOD(&s, cp)
        recordCon(&s, cp)
        for earlier in s.prefix.dropLast() {
            let sc = pairScores(prev.summaries[earlier], prev.summaries[env])
            s.contributions.append(StageContribution(
                stage: stage, trained: data.names[env], earlier: data.names[earlier], sv: sc.vision, sl: sc.language,
                sxEarlierTrained: sc.crossAB, sxTrainedEarlier: sc.crossBA,
                driftVision: drift(cp.images[earlier], prev.images[earlier]),
                driftLanguage: drift(cp.captions[earlier], prev.captions[earlier]),
                forgetting: prev.accuracy[earlier] - cp.accuracy[earlier]))
        }
    }

    /// The cell's result once its whole order is trained.
    public func finish(_ s: PrefixState) throws -> CellResult {
        let held = data.heldOut.indices.filter { data.heldOut[$0] }
        let columns = s.prefix + held
        let acc = s.checkpoints.map { cp in columns.map { cp.accuracy[$0] } }
        let loss = s.checkpoints.map { cp in columns.map { cp.loss[$0] } }
        let matrix = try AccuracyMatrix(values: acc, heldOutCount: held.count, hasBaseline: true)
        let base = s.checkpoints[0]
        let s0 = s.prefix.map { base.summaries[$0] }
        var sv = 0.0, sl = 0.0, pairs = 0
        for a in s0.indices {
            for b in s0.indices where b > a {
                let p = pairScores(s0[a], s0[b])
                sv += p.vision; sl += p.language; pairs += 1
            }
        }
        return CellResult(columns: columns.map { data.names[$0] }, trainedCount: s.prefix.count, accuracy: acc, loss: loss,
                          contributions: s.contributions, attributions: s.attributions, embeddingStats: s.stats,
                          metrics: continualMetrics(matrix),
                          measuredSV: pairs > 0 ? sv / Double(pairs) : .nan, measuredSL: pairs > 0 ? sl / Double(pairs) : .nan,
                          distributionSimilarity: (DistributionSimilarity.mean(s0, side: .images) ?? .nan,
                                                   DistributionSimilarity.mean(s0, side: .captions) ?? .nan),
                          seconds: s.seconds, oodPairs: s.oodPairs, oodCumulative: s.oodCumulative, conPairs: s.conPairs,
                          gradientAlignment: s.gradientAlignment)
    }

    /// One whole cell, stage after stage (the planner shares prefixes instead).
    public func run(order: [Int], method: any ContinualMethod, methodIdentity: String, suiteSeed: Int = 0, seed: Int,
                    pretrained: DualEncoder, baseline: CheckpointEvaluation) throws -> CellResult {
        var s = initial(method: method, pretrained: pretrained, baseline: baseline)
        for e in order { s = try advance(s, environment: e, suiteSeed: suiteSeed, seed: seed, methodIdentity: methodIdentity) }
        return try finish(s)
    }

    /// The stage's alignment from its first gradient and g_old at the weights before it.
    static func alignment(_ capture: FirstGradientProbe.Capture, before: DualEncoder, earlier: [EnvironmentData]) -> GradientAlignment {
        let sums = StageGradients.groupSums(capture.gradient, StageGradients.earlierPromptLoss(model: before, earlier: earlier))
        func values(_ f: (ParameterGroup) -> Double) -> GroupValues {
            GroupValues(vision: f(.vision), language: f(.language), shared: f(.shared))
        }
        return GradientAlignment(dot: values { sums[$0]!.dot }, newSquared: values { sums[$0]!.a }, oldSquared: values { sums[$0]!.b },
                                 scale: values { capture.scale[$0] ?? 1 })
    }

    func embeddingStats(stage: Int, _ cp: CheckpointEvaluation) -> [EmbeddingStats] {
        data.names.indices.map { i in
            let s = cp.summaries[i]
            return EmbeddingStats(stage: stage, environment: data.names[i], alignment: s.matchedAlignment, modalityGap: s.modalityGap,
                                  clipLoss: cp.clipLoss[i])
        }
    }

    /// Exact Shapley values over the three parameter groups: v(S) evaluates theta_{t-1} with the
    /// updates of the groups in S applied, on every environment. `prev` and `now` are the
    /// evaluations of `before` and `after`. A coalition's image embeddings are those of whichever
    /// checkpoint its vision tower comes from (the towers do not interact before the logits), and
    /// likewise its prompt embeddings, so only the logits are computed per coalition: the same
    /// values, bit for bit, as evaluating each coalition model (`attributeByEvaluation`, which
    /// checkpoints without prompt embeddings fall back to).
    public func attribute(stage: Int, before: DualEncoder, after: DualEncoder, prev: CheckpointEvaluation, now: CheckpointEvaluation) -> [StageAttribution] {
        let n = data.evaluation.count
        guard prev.images.count == n, now.images.count == n, prev.prompts.allSatisfy({ $0 != nil }), now.prompts.allSatisfy({ $0 != nil })
        else { return attributeByEvaluation(stage: stage, before: before, after: after, prev: prev, now: now) }
        let all = GroupValues.allGroups
        var acc = [[Double]](repeating: [], count: all + 1), loss = acc
        acc[0] = prev.accuracy; loss[0] = prev.loss
        acc[all] = now.accuracy; loss[all] = now.loss
        let parts = [prev, now]
        let scales = [before.logitScale, after.logitScale]
        func from(_ mask: Int, _ g: ParameterGroup) -> Int { mask & (1 << g.rawValue) != 0 ? 1 : 0 }
        for mask in 1..<all {
            let images = parts[from(mask, .vision)].images, prompts = parts[from(mask, .language)].prompts
            let scale = scales[from(mask, .shared)]
            for (e, ev) in data.evaluation.enumerated() {
                let r = scoreEmbeddings(images[e], labels: ev.labels, prompts: prompts[e]!, scale: scale)
                acc[mask].append(r.accuracy)
                loss[mask].append(r.loss)
            }
        }
        return shapleyRows(stage: stage, accuracy: acc, loss: loss)
    }

    /// The attribution by evaluating each of the six mixed models in full: the reference
    /// `attribute` is tested against, and its path for checkpoints without prompt embeddings.
    func attributeByEvaluation(stage: Int, before: DualEncoder, after: DualEncoder, prev: CheckpointEvaluation, now: CheckpointEvaluation) -> [StageAttribution] {
        let all = GroupValues.allGroups
        var acc = [[Double]](repeating: [], count: all + 1), loss = acc
        acc[0] = prev.accuracy; loss[0] = prev.loss
        acc[all] = now.accuracy; loss[all] = now.loss
        let afterTensors = after.tensors
        for mask in 1..<all {
            var mixed = before
            mixed.forEachTensor { k, g, t in
                if mask & (1 << g.rawValue) != 0 { t = afterTensors[k].value }
            }
            for ev in data.evaluation {
                let r = evaluate(model: mixed, images: ev.images, labels: ev.labels, promptTokens: ev.promptTokens)
                acc[mask].append(r.accuracy)
                loss[mask].append(r.loss)
            }
        }
        return shapleyRows(stage: stage, accuracy: acc, loss: loss)
    }

    /// Each environment's Shapley values from v(S) of the eight coalitions (index = group bits).
    func shapleyRows(stage: Int, accuracy acc: [[Double]], loss: [[Double]]) -> [StageAttribution] {
        data.names.indices.map { i in
            StageAttribution(stage: stage, environment: data.names[i],
                             accuracy: .shapley { acc[$0][i] }, loss: .shapley { loss[$0][i] })
        }
    }
}

extension CellRunner {
    /// OOD detection at a checkpoint just appended to `s` (its stage = the prefix length), MCM
    /// over the checkpoint's own prompt and image embeddings (docs/metrics.md, "OOD detection"):
    /// (a) every ordered pair (a, b) of the world's trained environments, a's images in and b's
    /// out against a's prompts; (b) from stage 1 on, when the world holds environments out, the
    /// trained-so-far environments' images against the held-out ones', over the union of the
    /// trained-so-far prompts (a prompt shared by two environments counted once). Nothing for a
    /// checkpoint without prompt embeddings (external methods).
    func recordOOD(_ s: inout PrefixState, _ cp: CheckpointEvaluation) {
        let stage = s.prefix.count
        let trained = data.heldOut.indices.filter { !data.heldOut[$0] }
        guard trained.allSatisfy({ cp.prompts[$0] != nil }) else { return }
        let tau = Self.mcmTemperature
        for a in trained {
            let prompts = cp.prompts[a]!
            let inside = MCMScore.scores(images: cp.images[a], prompts: prompts, temperature: tau)
            for b in trained where b != a {
                let outside = MCMScore.scores(images: cp.images[b], prompts: prompts, temperature: tau)
                s.oodPairs.append(.init(stage: stage, inEnvironment: data.names[a], outEnvironment: data.names[b],
                                        auroc: AUROC.mannWhitney(inDistribution: inside, outOfDistribution: outside),
                                        conImageToText: ConScore.imageToText.value(cp.summaries[a], cp.summaries[b])))
            }
        }
        let held = data.heldOut.indices.filter { data.heldOut[$0] }
        guard stage > 0, !held.isEmpty else { return }
        let union = unionPrompts(s.prefix, cp)
        let inside = s.prefix.flatMap { MCMScore.scores(images: cp.images[$0], prompts: union, temperature: tau) }
        let outside = held.flatMap { MCMScore.scores(images: cp.images[$0], prompts: union, temperature: tau) }
        s.oodCumulative.append(.init(stage: stage, auroc: AUROC.mannWhitney(inDistribution: inside, outOfDistribution: outside)))
    }

    /// The paper's four contribution scores of every ordered pair (a, b), a ≠ b, of the world's
    /// trained environments at a checkpoint just appended to `s` (its stage = the prefix
    /// length), from the checkpoint's embedding summaries: the scores at every checkpoint, not
    /// only the pretrained pass (clvbench's extension of the paper). External methods get them
    /// too (their embeddings are all it takes).
    func recordCon(_ s: inout PrefixState, _ cp: CheckpointEvaluation) {
        let stage = s.prefix.count
        let trained = data.heldOut.indices.filter { !data.heldOut[$0] }
        for a in trained {
            for b in trained where b != a {
                let x = cp.summaries[a], y = cp.summaries[b]
                s.conPairs.append(.init(stage: stage, environmentA: data.names[a], environmentB: data.names[b],
                                        conImageToText: ConScore.imageToText.value(x, y), conTextToImage: ConScore.textToImage.value(x, y),
                                        conImageToImage: ConScore.imageToImage.value(x, y), conTextToText: ConScore.textToText.value(x, y)))
            }
        }
    }

    /// The class-prompt embeddings of `environments` at `cp`, one row per distinct prompt (its
    /// token row), in the order the environments introduce them.
    func unionPrompts(_ environments: [Int], _ cp: CheckpointEvaluation) -> Matrix {
        var seen = Set<[Int32]>(), rows: [Float] = []
        var width = 0
        for e in environments {
            let p = cp.prompts[e]!, tokens = data.evaluation[e].promptTokens
            let l = tokens.count / max(p.rows, 1)
            width = p.cols
            for c in 0..<p.rows where seen.insert(Array(tokens[(c * l)..<((c + 1) * l)])).inserted {
                rows += p.storage[(c * p.cols)..<((c + 1) * p.cols)]
            }
        }
        return Matrix(rows: rows.count / max(width, 1), cols: width, storage: rows)
    }
}
