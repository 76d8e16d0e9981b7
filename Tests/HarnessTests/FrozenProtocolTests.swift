import Continual
import Foundation
import Linalg
import Model
import Testing
@testable import Harness

/// The frozen protocol's invariants (DESIGN.md section 10): encoders never move, so every
/// checkpoint's embeddings are the pretrained model's, ΔCLIP is exactly 0 and the same for every
/// seed, and λ (clip_weight) has no effect at all; the head is what trains.
struct FrozenProtocolTests {
    static func runner(_ p: PreparedWorld, _ s: ExperimentSettings) -> CellRunner {
        CellRunner(data: p.data, budget: s.budget, shapley: false, trainingProtocol: .frozen, frozenEmbeddings: p.frozenEmbeddings)
    }

    static var trained: [Int] { TinySettings.prepared.data.heldOut.indices.filter { !TinySettings.prepared.data.heldOut[$0] } }

    /// Embeds environment `e`'s evaluation images and captions afresh with `model`.
    static func embed(_ model: DualEncoder, _ data: WorldData, _ e: Int) -> (images: Matrix, captions: Matrix) {
        (model.encodeImages(data.evaluation[e].images).embeddings, model.encodeText(data.evaluation[e].captionTokens).embeddings)
    }

    @Test func encodersStayBitIdenticalAndEveryCheckpointSeesThePretrainedEmbeddings() throws {
        let s = TinySettings.make(), p = TinySettings.prepared
        let r = Self.runner(p, s)
        for method in ["finetune", "joint"] {
            var st = r.initial(method: try MethodCatalog.make(name: method, parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
            for e in Self.trained {
                st = try r.advance(st, environment: e, suiteSeed: 0, seed: 0, methodIdentity: method)
                let moved = st.model != p.pretrained
                #expect(!moved, Comment(rawValue: "\(method): encoders moved at stage \(st.prefix.count)"))
                // The head did train: it is no longer the zero-shot head over its classes.
                var zeroShot = LinearHead(embedding: p.pretrained.embedding, scale: p.pretrained.logitScale)
                zeroShot.addClasses(p.pretrained.encodeText(st.frozenHead!.classKeys.flatMap { $0 }).embeddings)
                let trainedHead = st.frozenHead!.head != zeroShot
                #expect(trainedHead, Comment(rawValue: "\(method): the head did not train at stage \(st.prefix.count)"))
            }
            let final = st.model!
            for e in p.data.names.indices {
                let fresh = Self.embed(final, p.data, e)
                for cp in st.checkpoints {
                    #expect(cp.images[e] == fresh.images && cp.captions[e] == fresh.captions)
                }
            }
        }
    }

    /// ΔCLIP (symmetric InfoNCE on t's evaluation pairs, after minus before each transition) is
    /// exactly 0 for every transition and every seed, while the cross-entropy does move.
    @Test func deltaCLIPIsExactlyZeroAndSeedIndependent() throws {
        let s = TinySettings.make(), p = TinySettings.prepared
        let r = Self.runner(p, s)
        var ceMoved = false
        for seed in [0, 1, 2] {
            var st = r.initial(method: try MethodCatalog.make(name: "finetune", parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
            for e in Self.trained { st = try r.advance(st, environment: e, suiteSeed: 0, seed: seed, methodIdentity: "finetune") }
            for k in 1..<st.checkpoints.count {
                let t = st.prefix[k - 1]
                let clipBefore: Double = contrastiveLoss(images: st.checkpoints[k - 1].images[t], captions: st.checkpoints[k - 1].captions[t],
                                             logScale: p.pretrained.logScale.storage[0]).loss
                let clipAfter: Double = contrastiveLoss(images: st.checkpoints[k].images[t], captions: st.checkpoints[k].captions[t],
                                            logScale: st.model!.logScale.storage[0]).loss
                #expect(clipAfter - clipBefore == 0, "seed \(seed), transition \(k)")
                // What the run stores for T1 (embedding_stat.clip_loss) says the same.
                let stored = { (stage: Int) in st.stats.first { $0.stage == stage && $0.environment == p.data.names[t] }!.clipLoss! }
                #expect(stored(k) == stored(k - 1) && abs(stored(k) - clipAfter) < 1e-5)
                if st.checkpoints[k].loss[t] != st.checkpoints[k - 1].loss[t] { ceMoved = true }
            }
        }
        #expect(ceMoved)
    }

    /// The stored CLIP loss of each environment at a checkpoint is the symmetric InfoNCE of its
    /// evaluation pairs embedded afresh by that checkpoint's model, at its logit scale; under
    /// adaptive it moves from stage to stage.
    @Test func storedCLIPLossIsTheEvaluationPairsInfoNCE() throws {
        let s = TinySettings.make(), p = TinySettings.prepared
        let r = CellRunner(data: p.data, budget: s.budget, shapley: false)
        var st = r.initial(method: try MethodCatalog.make(name: "finetune", parameters: ["clip_weight": 1]), pretrained: p.pretrained, baseline: p.baseline)
        var losses: [[Double]] = []
        for e in Self.trained {
            st = try r.advance(st, environment: e, suiteSeed: 0, seed: 0, methodIdentity: "finetune")
            let model = st.model!, stage = st.prefix.count
            losses.append(p.data.names.indices.map { env in
                let fresh = Self.embed(model, p.data, env)
                let expected = contrastiveLoss(images: fresh.images, captions: fresh.captions,
                                               logScale: model.logScale.storage[0]).loss
                let got = st.stats.first { $0.stage == stage && $0.environment == p.data.names[env] }!.clipLoss!
                #expect(abs(got - expected) < 1e-5, "stage \(stage), \(p.data.names[env])")
                return got
            })
        }
        #expect(losses[0] != losses[1])
    }

    /// CLV and every accuracy and loss are bit-identical for λ = 0, 1, 5 under frozen; under
    /// adaptive, λ does change them (so the comparison can fail).
    @Test func clipWeightHasNoEffectUnderFrozen() throws {
        let s = TinySettings.make(), p = TinySettings.prepared
        let order = Self.trained.map { p.data.names[$0] }
        let runs = try [0.0, 1, 5].map {
            try p.runCell(settings: s, order: order, method: "finetune", parameters: ["clip_weight": $0], seed: 1, trainingProtocol: .frozen)
        }
        for r in runs.dropFirst() {
            #expect(r.accuracy == runs[0].accuracy && r.loss == runs[0].loss)
            #expect(r.embeddingStats.map(\.alignment) == runs[0].embeddingStats.map(\.alignment))
            #expect(r.contributions.map(\.scores) == runs[0].contributions.map(\.scores))
        }
        // The head trained: some trained environment's accuracy left its zero-shot value.
        #expect(runs[0].accuracy.dropFirst().contains { $0 != runs[0].accuracy[0] })
        let a0 = try p.runCell(settings: s, order: order, method: "finetune", parameters: ["clip_weight": 0], seed: 1)
        let a5 = try p.runCell(settings: s, order: order, method: "finetune", parameters: ["clip_weight": 5], seed: 1)
        #expect(a0.embeddingStats.map(\.alignment) != a5.embeddingStats.map(\.alignment))
    }

    /// A trained environment's accuracy is the head's over the union of trained classes,
    /// recomputed here from the head and freshly embedded evaluation images; an untrained one
    /// keeps the pretrained (zero-shot) reading.
    @Test func accuracyIsTheHeadsOverTheUnionOfClasses() throws {
        let s = TinySettings.make(), p = TinySettings.prepared
        let r = Self.runner(p, s)
        var st = r.initial(method: try MethodCatalog.make(name: "finetune", parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
        let first = Self.trained[0]
        st = try r.advance(st, environment: first, suiteSeed: 0, seed: 0, methodIdentity: "finetune")
        let head = st.frozenHead!.head
        let ev = p.data.evaluation[first]
        let z = head.logits(p.pretrained.encodeImages(ev.images).embeddings)
        let map = st.frozenHead!.classIndices(p.data.training[first]).map { $0! }
        var correct = 0
        for (i, y) in ev.labels.enumerated() {
            let row = Array(z.storage[(i * z.cols)..<((i + 1) * z.cols)])
            if row.firstIndex(of: row.max()!)! == map[y] { correct += 1 }
        }
        #expect(st.checkpoints[1].accuracy[first] == Double(correct) / Double(ev.labels.count))
        for e in p.data.names.indices where e != first && st.frozenHead!.classIndices(p.data.training[e]).contains(where: { $0 == nil }) {
            #expect(st.checkpoints[1].accuracy[e] == p.baseline.accuracy[e] && st.checkpoints[1].loss[e] == p.baseline.loss[e])
        }
    }

    @Test func adaptiveOnlyMethodsRefuseTheFrozenProtocol() {
        let s = TinySettings.make(), p = TinySettings.prepared
        #expect(throws: MethodError.self) {
            _ = try p.runCell(settings: s, order: ["env1"], method: "ewc", parameters: [:], seed: 0, trainingProtocol: .frozen)
        }
        for name in MethodCatalog.names {
            let expected: [TrainingProtocol] = ["finetune", "joint"].contains(name) ? [.adaptive, .frozen] : [.adaptive]
            #expect(MethodCatalog.type(named: name)!.protocols == expected, "\(name)")
        }
    }

    static func suite(_ extra: String) throws -> Suite {
        let text = """
        name: axis
        world: {kind: procedural, image_size: 24, trained: 3}
        orders: latin
        similarity: {sv: [0.25, 0.75], sl: [0.5]}
        methods: [finetune, joint]
        seeds: [0, 1]
        \(extra)
        """
        return try SuiteParser(file: "axis.yaml", text: text).parse()
    }

    /// Both protocols give twice the cells; the adaptive ones are the very cells (same hashes)
    /// of the suite without `protocols:`, the frozen ones new, and groups never mix protocols.
    @Test func theProtocolAxisDoublesTheCellsAndKeepsAdaptiveHashes() throws {
        let plain = Plan(suite: try Self.suite("")), both = Plan(suite: try Self.suite("protocols: [adaptive, frozen]"))
        #expect(try Self.suite("").protocols == [.adaptive])
        #expect(both.cells.count == 2 * plain.cells.count && both.groups.count == 2 * plain.groups.count)
        let adaptive = both.cells.filter { $0.trainingProtocol == .adaptive }, frozen = both.cells.filter { $0.trainingProtocol == .frozen }
        #expect(adaptive.map(\.hash) == plain.cells.map(\.hash))
        #expect(Set(frozen.map(\.hash)).count == frozen.count && Set(frozen.map(\.hash)).isDisjoint(with: Set(adaptive.map(\.hash))))
        #expect(both.groups.allSatisfy { g in g.cells.allSatisfy { $0.trainingProtocol == g.trainingProtocol } })
        // The adaptive identity is the text cells had before the axis existed (no protocol line).
        let suite = try Self.suite("protocols: [adaptive, frozen]")
        for c in adaptive {
            let text = [Plan.context(suite, model: suite.models[c.modelIndex]), "sv=\(c.similarity.sv) sl=\(c.similarity.sl)",
                        "method=\(suite.methods[c.methodIndex].identity)", "seed=\(c.seed)", "order=\(c.order.joined(separator: ">"))"]
            #expect(c.hash == StableHasher.hex(text.joined(separator: "\n")))
        }
        // A frozen-only suite has the frozen cells of the two-protocol suite.
        #expect(Plan(suite: try Self.suite("protocols: [frozen]")).cells.map(\.hash) == frozen.map(\.hash))
    }
}
