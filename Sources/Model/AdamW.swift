import Foundation
import Linalg

/// AdamW (Loshchilov & Hutter): Adam moments with weight decay applied to the weights
/// directly, not through the gradient. Decay skips biases and the logit scale (1-row tensors),
/// as CLIP does. Optional clipping of the global gradient norm.
public struct AdamW: Sendable {
    public struct Config: Codable, Hashable, Sendable {
        public var learningRate: Float = 1e-3
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8
        public var weightDecay: Float = 1e-4
        /// Clip the global gradient norm to this value (nil: no clipping).
        public var clipNorm: Float? = 1.0
        public init() {}
    }

    public var config: Config
    public private(set) var step = 0
    private var m: [Matrix] = []
    private var v: [Matrix] = []

    public init(config: Config) { self.config = config }

    /// One update. Tensors of `frozen` groups are left untouched and their moments unchanged.
    /// Returns the global gradient norm before clipping.
    @discardableResult
    public mutating func update(_ model: inout DualEncoder, gradients g: DualEncoder, frozen: Set<ParameterGroup> = [],
                                learningRateScale: Float = 1) -> Float {
        let grads = g.tensors
        if m.isEmpty {
            m = grads.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
            v = m
        }
        // Global gradient norm: eight Float partial sums per tensor (vectorisable), summed in Double.
        var sq = 0.0
        for (group, t) in grads where !frozen.contains(group) {
            t.storage.withUnsafeBufferPointer { g in
                var acc = SIMD8<Float>()
                let n8 = g.count / 8 * 8
                var i = 0
                while i < n8 {
                    let x = SIMD8<Float>(g[i], g[i + 1], g[i + 2], g[i + 3], g[i + 4], g[i + 5], g[i + 6], g[i + 7])
                    acc += x * x
                    i += 8
                }
                var tail: Float = 0
                while i < g.count { tail += g[i] * g[i]; i += 1 }
                sq += Double(acc.sum()) + Double(tail)
            }
        }
        let norm = Float(sq.squareRoot())
        var clip: Float = 1
        if let c = config.clipNorm, norm > c { clip = c / norm }
        step += 1
        let c = config
        let lr = c.learningRate * learningRateScale
        // Reciprocals of the bias corrections: multiplications in the element loop, not divisions.
        let inverseBC1 = 1 / (1 - powf(c.beta1, Float(step))), inverseBC2 = 1 / (1 - powf(c.beta2, Float(step)))
        model.forEachTensor { k, group, p in
            guard !frozen.contains(group) else { return }
            let decay = p.rows > 1 ? c.weightDecay : 0
            grads[k].value.storage.withUnsafeBufferPointer { gs in
                m[k].storage.withUnsafeMutableBufferPointer { ms in
                    v[k].storage.withUnsafeMutableBufferPointer { vs in
                        p.storage.withUnsafeMutableBufferPointer { ps in
                            var i = 0
                            while i < ps.count {
                                let gi = gs[i] * clip
                                ms[i] = c.beta1 * ms[i] + (1 - c.beta1) * gi
                                vs[i] = c.beta2 * vs[i] + (1 - c.beta2) * gi * gi
                                let mh = ms[i] * inverseBC1, vh = vs[i] * inverseBC2
                                ps[i] -= lr * (mh / (vh.squareRoot() + c.epsilon) + decay * ps[i])
                                i += 1
                            }
                        }
                    }
                }
            }
        }
        model.clampLogScale()
        return norm
    }
}
