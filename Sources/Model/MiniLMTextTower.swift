import Foundation
import Linalg

/// The pretrained MiniLM as a text tower: its first layers frozen, its last `tunedLayers`
/// layers and a projection to the shared embedding trained. With no tuned layer (`frozen`
/// mode) only the projection learns; frozen, the encoder's weights are constants, not
/// parameters, so optimisers, methods and checkpoints see only the tuned part.
///
/// The frozen part's output never changes, so it is computed once per caption (one caption at
/// a time, which makes it a pure function of the caption's ids whatever batch it came in) and
/// kept in a cache shared by every copy of the tower: the token states after the last frozen
/// layer, or (frozen mode) the mean-pooled sentence vector.
public struct MiniLMTextTower: Sendable, Equatable {
    public let encoder: MiniLM
    /// The last `tunedLayers` layers of the encoder, trained.
    public var tuned: [TransformerBlock]
    public var projection: Linear  // width x embedding
    public let maxTokens: Int
    let cache: FrozenTextCache

    public init(encoder: MiniLM, tunedLayers k: Int, maxTokens: Int, embedding: Int, rng: inout RandomStream) {
        precondition(k >= 0 && k <= encoder.layers.count, "MiniLM: \(k) tuned layers of \(encoder.layers.count)")
        precondition(maxTokens >= 2 && maxTokens <= encoder.config.maxPositions, "MiniLM: \(maxTokens) tokens per caption")
        self.encoder = encoder
        tuned = Array(encoder.layers.suffix(k))
        projection = Linear(inputs: encoder.config.width, outputs: embedding, std: 0.02, rng: &rng)
        self.maxTokens = maxTokens
        cache = FrozenTextCache()
    }

    public static func == (a: MiniLMTextTower, b: MiniLMTextTower) -> Bool {
        a.tuned == b.tuned && a.projection == b.projection && a.maxTokens == b.maxTokens && a.encoder == b.encoder
    }

    public var tunedLayers: Int { tuned.count }
    /// Captions whose frozen outputs are cached.
    public var cachedCaptions: Int { cache.count }
    var frozenLayers: Int { encoder.layers.count - tuned.count }

    public mutating func forEachTensor(prefix: String, _ body: (String, inout Matrix) -> Void) {
        for i in tuned.indices { tuned[i].forEachTensor(prefix: prefix + "layers.\(frozenLayers + i).", body) }
        projection.forEachTensor(prefix: prefix + "projection.", body)
    }

    /// The real ids of each row (up to the first padding id).
    static func sequences(_ tokens: [Int32], length: Int) -> [[Int32]] {
        stride(from: 0, to: tokens.count, by: length).map { start in
            var s: [Int32] = []
            for t in tokens[start..<(start + length)] { if t == 0 { break }; s.append(t) }
            return s
        }
    }

    /// The frozen part's output for one caption: its token states after the last frozen layer
    /// (n x width), or in frozen mode its pooled sentence vector (1 x width).
    func frozenOutput(_ ids: [Int32]) -> Matrix {
        if let hit = cache.lookup(ids) { return hit }
        let batch = MiniLM.TokenBatch([ids])
        var h = encoder.applyLayers(encoder.embed(batch), mask: batch.mask, 0..<frozenLayers)
        if tuned.isEmpty { h = MeanPooling.forward(h, mask: batch.mask) }
        cache.store(ids, h)
        return h
    }

    public struct Trace: Sendable {
        var mask: PaddingMask?
        var blocks: [TransformerBlock.Trace]
        var pooled: Matrix
        var norms: [Float]
        var embeddings: Matrix
    }

    public func forward(_ tokens: [Int32]) -> (embeddings: Matrix, trace: Trace) {
        let seqs = Self.sequences(tokens, length: maxTokens)
        let w = encoder.config.width
        var pooled: Matrix, mask: PaddingMask?, traces: [TransformerBlock.Trace] = []
        if tuned.isEmpty {
            pooled = Matrix(rows: seqs.count, cols: w)
            for (b, s) in seqs.enumerated() {
                pooled.storage.replaceSubrange((b * w)..<((b + 1) * w), with: frozenOutput(s).storage)
            }
        } else {
            // The batch padded to its longest caption; padded rows are zero and never attended to.
            let length = max(1, seqs.map(\.count).max() ?? 1)
            let m = PaddingMask(lengths: seqs.map(\.count), length: length)
            var h = Matrix(rows: m.rows, cols: w)
            for (b, s) in seqs.enumerated() where !s.isEmpty {
                let start = b * length * w
                h.storage.replaceSubrange(start..<(start + s.count * w), with: frozenOutput(s).storage)
            }
            for block in tuned {
                let (y, t) = block.forward(h, mask: m)
                traces.append(t)
                h = y
            }
            pooled = MeanPooling.forward(h, mask: m)
            mask = m
        }
        let (y, norms) = L2Normalize.forward(projection.forward(pooled))
        return (y, Trace(mask: mask, blocks: traces, pooled: pooled, norms: norms, embeddings: y))
    }

    /// Adds the tuned layers' and the projection's gradients into `grad`.
    public func backward(_ dEmbeddings: Matrix, trace t: Trace, grad: inout MiniLMTextTower) {
        let dProjected = L2Normalize.backward(dEmbeddings, output: t.embeddings, norms: t.norms)
        guard let dPooled = projection.backward(dProjected, input: t.pooled, grad: &grad.projection, needInputGradient: !tuned.isEmpty),
              let mask = t.mask
        else { return }
        var d = MeanPooling.backward(dPooled, mask: mask)
        for i in stride(from: tuned.count - 1, through: 0, by: -1) {
            d = tuned[i].backward(d, trace: t.blocks[i], grad: &grad.tuned[i])
        }
    }
}

/// Outputs of a tower's frozen layers by caption (token ids), shared by every copy of the
/// tower and safe to use from several threads.
final class FrozenTextCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [[Int32]: Matrix] = [:]

    func lookup(_ ids: [Int32]) -> Matrix? {
        lock.lock(); defer { lock.unlock() }
        return entries[ids]
    }

    func store(_ ids: [Int32], _ m: Matrix) {
        lock.lock(); defer { lock.unlock() }
        entries[ids] = m
    }

    var count: Int { lock.lock(); defer { lock.unlock() }; return entries.count }
}
