import Continual
import Foundation
import Linalg
import Model

/// The frozen training images' unit embeddings of a world, per environment, computed once
/// (the encoders never change under the frozen protocol, so every frozen stage of every cell of
/// the world reads the same matrices). Shared between worker threads.
public final class FrozenEmbeddingCache: @unchecked Sendable {
    private let lock = NSLock()
    private var images: [Int: Matrix] = [:]

    public init() {}

    /// Environment `env`'s training-image embeddings under `model`, computed on first use.
    func trainingEmbeddings(_ env: Int, data: WorldData, model: DualEncoder) -> Matrix {
        lock.lock(); defer { lock.unlock() }
        if let m = images[env] { return m }
        let m = embedImages(model, data.training[env].trainImages)
        images[env] = m
        return m
    }
}

/// Unit image embeddings in batches of 256 (the evaluation's batching).
func embedImages(_ model: DualEncoder, _ x: Matrix, batchSize: Int = 256) -> Matrix {
    var out = Matrix(rows: x.rows, cols: model.embedding)
    var start = 0
    while start < x.rows {
        let end = min(x.rows, start + batchSize)
        let (v, _) = model.encodeImages(x.gatherRows(Array(start..<end)))
        out.storage.replaceSubrange((start * v.cols)..<(end * v.cols), with: v.storage)
        start = end
    }
    return out
}

/// The shared head of a frozen-protocol prefix and its class space: one class per distinct
/// prompt (its token row), in the order the trained environments introduced them.
public struct FrozenHeadState: Sendable {
    public var head: LinearHead
    var classKeys: [[Int32]] = []

    /// Head class index of each of environment `e`'s classes, nil for a class the head lacks.
    func classIndices(_ e: EnvironmentData) -> [Int?] {
        classRows(e).map { classKeys.firstIndex(of: $0) }
    }

    /// Adds `e`'s classes that the head lacks, each column at its prompt's embedding.
    mutating func cover(_ e: EnvironmentData, model: DualEncoder) {
        let new = classRows(e).filter { !classKeys.contains($0) }
            .reduce(into: [[Int32]]()) { if !$0.contains($1) { $0.append($1) } }
        guard !new.isEmpty else { return }
        let (prompts, _) = model.encodeText(new.flatMap { $0 })
        head.addClasses(prompts)
        classKeys += new
    }

    func classRows(_ e: EnvironmentData) -> [[Int32]] {
        let width = e.promptTokens.count / max(e.classCount, 1)
        return (0..<e.classCount).map { Array(e.promptTokens[($0 * width)..<(($0 + 1) * width)]) }
    }
}

extension CellRunner {
    /// A stage of the frozen protocol (DESIGN.md section 10): the encoders stay as they are, the
    /// head grows by the new environment's classes and the method trains it on cached embeddings.
    /// An environment whose classes the head covers reads accuracy and loss from the head, over
    /// all its classes; any other (not yet trained, held out) keeps its zero-shot reading, which
    /// frozen encoders leave at the pretrained row. Embeddings, and so every contribution and
    /// alignment figure, stay at the pretrained model's. OOD detection (MCM) is defined on the
    /// encoders' cosines, not on the head: it reads the pretrained prompts and images too, so the
    /// pairwise AUROC is the pretrained one at every stage (our reading; docs/metrics.md). No
    /// Shapley attribution (no encoder moves).
    func advanceFrozen(_ state: PrefixState, environment env: Int, suiteSeed: Int, seed: Int, methodIdentity: String) throws -> PrefixState {
        let start = DispatchTime.now().uptimeNanoseconds
        var s = state
        guard let model = s.model, var method = s.method else { preconditionFailure("advance needs a built-in method") }
        let prefix = s.prefix + [env]
        var heads = s.frozenHead ?? FrozenHeadState(head: LinearHead(embedding: model.embedding, scale: model.logitScale))
        heads.cover(data.training[env], model: model)
        let sources = prefix.map { e in
            let map = heads.classIndices(data.training[e])
            return HeadSource(name: data.names[e], embeddings: frozenEmbeddings.trainingEmbeddings(e, data: data, model: model),
                              labels: data.training[e].trainLabels.map { map[$0]! })
        }
        let ctx = HeadStageContext(stage: prefix.count, environments: sources,
                                   key: Self.stageKey(suiteSeed: suiteSeed, seed: seed, method: methodIdentity,
                                                      prefix: prefix.map { data.names[$0] }),
                                   budget: budget)
        var head = heads.head
        try method.trainHead(&head, ctx)
        heads.head = head
        let base = s.checkpoints[0]
        var cp = CheckpointEvaluation()
        for e in data.names.indices {
            let map = heads.classIndices(data.training[e])
            if map.allSatisfy({ $0 != nil }) {
                let r = head.evaluate(base.images[e], labels: data.evaluation[e].labels.map { map[$0]! })
                cp.append(accuracy: r.accuracy, loss: r.loss, reusing: base, environment: e)
            } else {
                cp.append(accuracy: base.accuracy[e], loss: base.loss[e], reusing: base, environment: e)
            }
        }
        s.method = method
        s.frozenHead = heads
        appendCheckpoint(&s, environment: env, checkpoint: cp)
        s.seconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return s
    }
}
