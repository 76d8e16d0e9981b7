import Analysis
import Continual
import Foundation
import Linalg
import Model
import ResultStore
import Testing
@testable import Harness

/// The gradient alignment of each adaptive stage k ≥ 2 (DESIGN.md section 10, CBF paragraph)
/// against references computed apart from the fine-tuning loop: the stage's first batch redone
/// from its key, g_old as a per-environment sum, naive dot products over every tensor, and a
/// central finite difference of the earlier environments' loss.
struct GradientAlignmentTests {
    static var trained: [Int] { CheckpointOODTests.trained }

    static func runner(measure: Bool = true) -> CellRunner {
        var r = CellRunner(data: TinySettings.prepared.data, budget: TinySettings.make().budget, shapley: false)
        r.measuresGradientAlignment = measure
        return r
    }

    /// Every stage of `order` for `method`, from the pretrained model.
    static func run(_ method: String, _ parameters: [String: Double] = [:], order: [Int], measure: Bool = true) throws -> [PrefixState] {
        let p = TinySettings.prepared, r = runner(measure: measure)
        var s = r.initial(method: try MethodCatalog.make(name: method, parameters: parameters), pretrained: p.pretrained, baseline: p.baseline)
        var states = [s]
        for e in order {
            s = try r.advance(s, environment: e, suiteSeed: 0, seed: 0, methodIdentity: method)
            states.append(s)
        }
        return states
    }

    /// Naive Σ a·b over the tensors of one group (all groups when nil), in Double.
    static func dot(_ a: DualEncoder, _ b: DualEncoder, _ group: ParameterGroup? = nil, scale: [ParameterGroup: Double] = [:]) -> Double {
        var s = 0.0
        for (x, y) in zip(a.namedTensors, b.namedTensors) where group == nil || x.group == group {
            let f = scale[x.group] ?? 1
            for i in 0..<x.value.count { s += f * Double(x.value.storage[i]) * Double(y.value.storage[i]) }
        }
        return s
    }

    static func cosine(_ a: DualEncoder, _ b: DualEncoder, _ group: ParameterGroup? = nil, scale: [ParameterGroup: Double] = [:]) -> Double {
        var sa = 0.0
        for x in a.namedTensors where group == nil || x.group == group {
            let f = scale[x.group] ?? 1
            for v in x.value.storage { sa += f * f * Double(v) * Double(v) }
        }
        return dot(a, b, group, scale: scale) / (sa * dot(b, b, group)).squareRoot()
    }

    /// g_old redone: each earlier environment's mean CE gradient on its own, then weighted by its share.
    static func oldGradient(_ model: DualEncoder, earlier: [Int]) -> DualEncoder {
        let d = TinySettings.prepared.data
        let total = Double(earlier.reduce(0) { $0 + d.training[$1].trainImages.rows })
        var sum = model.zeros()
        for e in earlier {
            let env = d.training[e]
            let term = ClassificationTerm(imageBatch: 0, promptTokens: env.promptTokens, targets: oneHot(env.trainLabels, classes: env.classCount))
            let g = classificationLoss(model: model, imageBatches: [env.trainImages], terms: [term]).gradients.tensors
            let w = Float(Double(env.trainImages.rows) / total)
            sum.forEachTensor { k, _, t in for i in 0..<t.count { t.storage[i] += w * g[k].value.storage[i] } }
        }
        return sum
    }

    /// The first batch of a stage redone from its key (FineTuneLoop's epoch-0 permutation) and its CE gradient.
    static func firstBatchGradient(_ model: DualEncoder, environment e: Int, prefix: [Int]) -> DualEncoder {
        let d = TinySettings.prepared.data, env = d.training[e]
        let key = CellRunner.stageKey(suiteSeed: 0, seed: 0, method: "finetune", prefix: prefix.map { d.names[$0] })
        var rng = RandomStream(key: key.child("epoch", .int(0)))
        let b = min(TinySettings.make().budget.batchSize, env.trainImages.rows)
        let rows = Array(rng.permutation(env.trainImages.rows)[0..<b])
        let term = ClassificationTerm(imageBatch: 0, promptTokens: env.promptTokens, targets: oneHot(rows.map { env.trainLabels[$0] }, classes: env.classCount))
        return classificationLoss(model: model, imageBatches: [env.trainImages.gatherRows(rows)], terms: [term]).gradients
    }

    @Test func finetuneStoresTheCosineOfTwoSeparatelyComputedGradients() throws {
        let order = [Self.trained[1], Self.trained[0], Self.trained[2]]
        let states = try Self.run("finetune", order: order)
        let rows = states.last!.gradientAlignment
        #expect(rows.map(\.stage) == [2, 3])
        for row in rows {
            let k = row.stage, before = states[k - 1].model!
            let new = Self.firstBatchGradient(before, environment: order[k - 1], prefix: Array(order[0..<k]))
            let old = Self.oldGradient(before, earlier: Array(order[0..<(k - 1)]))
            let a = row.alignment
            #expect(abs(a.cosine - Self.cosine(new, old)) < 1e-5, "stage \(k): stored \(a.cosine), naive \(Self.cosine(new, old))")
            #expect(a.unscaledCosine == a.cosine && a.scale == GroupValues(vision: 1, language: 1, shared: 1))
            for g in ParameterGroup.allCases {
                #expect(abs(a.groupCosine[group: g] - Self.cosine(new, old, g)) < 1e-5, "stage \(k) \(g.name)")
                #expect(abs(a.newNorm[group: g] - Self.dot(new, new, g).squareRoot()) < 1e-5 * max(1, a.newNorm[group: g]))
                #expect(abs(a.oldNorm[group: g] - Self.dot(old, old, g).squareRoot()) < 1e-5 * max(1, a.oldNorm[group: g]))
            }
            // The logit scale is one number: its cosine is a sign.
            #expect(abs(abs(a.groupCosine.shared) - 1) < 1e-12)
            #expect(a.cosine > -1 && a.cosine < 1 && a.cosine != 0)
        }
    }

    /// g_old is the gradient of the earlier environments' loss: its component along the stage's
    /// first gradient is the loss's central finite difference in that direction.
    @Test func oldGradientMatchesAFiniteDifferenceAlongTheNewOne() throws {
        let order = [Self.trained[0], Self.trained[2]]
        let states = try Self.run("finetune", order: order)
        let row = try #require(states.last!.gradientAlignment.first)
        let before = states[1].model!
        let new = Self.firstBatchGradient(before, environment: order[1], prefix: order)
        let d = TinySettings.prepared.data, env = d.training[order[0]]
        func loss(_ m: DualEncoder) -> Double {
            let term = ClassificationTerm(imageBatch: 0, promptTokens: env.promptTokens, targets: oneHot(env.trainLabels, classes: env.classCount))
            return classificationLoss(model: m, imageBatches: [env.trainImages], terms: [term]).loss
        }
        let norm = Self.dot(new, new).squareRoot(), eps: Float = 1e-3
        func moved(_ sign: Float) -> DualEncoder {
            var m = before
            let u = new.tensors
            m.forEachTensor { k, _, t in for i in 0..<t.count { t.storage[i] += sign * eps * u[k].value.storage[i] / Float(norm) } }
            return m
        }
        let directional = (loss(moved(1)) - loss(moved(-1))) / (2 * Double(eps))
        let a = row.alignment
        let oldNorm = ParameterGroup.allCases.reduce(0.0) { $0 + a.oldNorm[group: $1] * a.oldNorm[group: $1] }.squareRoot()
        let stored = a.cosine * oldNorm  // g_old · u
        #expect(abs(stored - directional) < 0.02 * abs(directional) + 1e-3, "stored \(stored), finite difference \(directional)")
    }

    /// CBF's binary mask and freeze-vision: the stored factor is 0 for the tower the loop keeps
    /// frozen, the unmasked gradient still has it (a separate full backward), and the stage's
    /// cosine is that of the masked gradient.
    @Test func masksAndFactorsEnterTheCosine() throws {
        let order = [Self.trained[2], Self.trained[1]]
        for (method, params) in [("cbf", ["binary": 1.0]), ("freeze-vision", [:]), ("cbf", [:])] {
            let states = try Self.run(method, params, order: order)
            let a = try #require(states.last!.gradientAlignment.first, "\(method)").alignment
            #expect(a.newNorm.vision > 0 && a.newNorm.language > 0, "\(method)")
            let masks = [a.scale.vision, a.scale.language]
            if method == "cbf" && params.isEmpty {
                // Continuous: the balance factors, which sum to 1.
                let f = try CBF.balance(model: states[1].model!, earlier: [TinySettings.prepared.data.training[order[0]]],
                                        current: TinySettings.prepared.data.training[order[1]])
                #expect(a.scale.vision == Double(Float(f.vision)) && a.scale.language == Double(Float(f.language)))
            } else {
                #expect(masks.contains(0) && masks.contains(1), "\(method): \(a.scale)")
            }
            if method == "freeze-vision" { #expect(a.scale.vision == 0) }
            #expect(a.scale.shared == 1)
            #expect(abs(a.cosine - a.cosine(scaledBy: a.scale)) < 1e-12)
            #expect(abs(a.unscaledCosine - a.cosine(scaledBy: GroupValues(vision: 1, language: 1, shared: 1))) < 1e-12)
            #expect(a.cosine != a.unscaledCosine, "\(method)")
        }
    }

    /// Measuring reads gradients and writes none: every method's accuracies, losses and weights
    /// are bit for bit those of a run that does not measure.
    @Test(arguments: MethodCatalog.names)
    func measuringLeavesTrainingUnchanged(method: String) throws {
        let order = [Self.trained[1], Self.trained[2], Self.trained[0]]
        let on = try Self.run(method, order: order), off = try Self.run(method, order: order, measure: false)
        for (a, b) in zip(on, off) {
            #expect(a.model == b.model, "\(method) stage \(a.prefix.count)")
            #expect(a.checkpoints.map(\.accuracy) == b.checkpoints.map(\.accuracy) && a.checkpoints.map(\.loss) == b.checkpoints.map(\.loss))
        }
        #expect(on.last!.gradientAlignment.map(\.stage) == [2, 3], "\(method)")
        #expect(off.last!.gradientAlignment.isEmpty)
        #expect(try Self.runner().finish(on.last!).gradientAlignment == on.last!.gradientAlignment)
    }

    /// Under frozen the encoders never move: nothing is written.
    @Test func frozenRunsStoreNone() throws {
        let p = TinySettings.prepared
        let frozen = FrozenProtocolTests.runner(p, TinySettings.make())
        var st = frozen.initial(method: try MethodCatalog.make(name: "finetune", parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
        for e in Self.trained { st = try frozen.advance(st, environment: e, suiteSeed: 0, seed: 0, methodIdentity: "finetune") }
        #expect(st.gradientAlignment.isEmpty)
    }
}
