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
        // Global gradient norm: eight Float partial sums per tensor, summed in Double.
        var sq = 0.0
        for (group, t) in grads where !frozen.contains(group) {
            t.storage.withUnsafeBufferPointer { sq += Self.sumOfSquares($0) }
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
                            Self.updateElements(parameters: ps, moment1: ms, moment2: vs, gradients: gs,
                                      constants: StepConstants(clip: clip, beta1: c.beta1, beta2: c.beta2,
                                                               inverseBC1: inverseBC1, inverseBC2: inverseBC2,
                                                               learningRate: lr, epsilon: c.epsilon, decay: decay))
                        }
                    }
                }
            }
        }
        model.clampLogScale()
        return norm
    }

    struct StepConstants {
        var clip, beta1, beta2, inverseBC1, inverseBC2, learningRate, epsilon, decay: Float
    }

    /// The element update, eight lanes at a time through unaligned vector loads (the compiler
    /// does not vectorise the scalar loop: it cannot rule out aliasing between the four buffers).
    /// Lanes compute exactly what the scalar tail computes, so results do not depend on where a
    /// tensor's length falls.
    static func updateElements(parameters ps: UnsafeMutableBufferPointer<Float>, moment1 ms: UnsafeMutableBufferPointer<Float>,
                     moment2 vs: UnsafeMutableBufferPointer<Float>, gradients gs: UnsafeBufferPointer<Float>,
                     constants k: StepConstants) {
        let n = ps.count
        precondition(ms.count == n && vs.count == n && gs.count == n)
        guard n > 0, let p = ps.baseAddress, let m = ms.baseAddress, let v = vs.baseAddress, let g = gs.baseAddress
        else { return }
        typealias V = SIMD8<Float>
        let (b1, b2, ob1, ob2) = (V(repeating: k.beta1), V(repeating: k.beta2), V(repeating: 1 - k.beta1), V(repeating: 1 - k.beta2))
        let (clip, ic1, ic2) = (V(repeating: k.clip), V(repeating: k.inverseBC1), V(repeating: k.inverseBC2))
        let (lr, eps, decay) = (V(repeating: k.learningRate), V(repeating: k.epsilon), V(repeating: k.decay))
        var i = 0
        while i + 8 <= n {
            let gi = UnsafeRawPointer(g + i).loadUnaligned(as: V.self) * clip
            let mi = b1 * UnsafeRawPointer(m + i).loadUnaligned(as: V.self) + ob1 * gi
            let vi = b2 * UnsafeRawPointer(v + i).loadUnaligned(as: V.self) + ob2 * gi * gi
            let pi = UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
            let mh = mi * ic1, vh = vi * ic2
            let pn = pi - lr * (mh / (laneSquareRoot(vh) + eps) + decay * pi)
            UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: V.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: V.self)
            UnsafeMutableRawPointer(p + i).storeBytes(of: pn, as: V.self)
            i += 8
        }
        while i < n {
            let gi = g[i] * k.clip
            let mi = k.beta1 * m[i] + (1 - k.beta1) * gi
            let vi = k.beta2 * v[i] + (1 - k.beta2) * gi * gi
            let mh = mi * k.inverseBC1, vh = vi * k.inverseBC2
            p[i] -= k.learningRate * (mh / (vh.squareRoot() + k.epsilon) + k.decay * p[i])
            m[i] = mi
            v[i] = vi
            i += 1
        }
    }

    /// Sum of squares with eight Float partial sums, returned in Double.
    static func sumOfSquares(_ xs: UnsafeBufferPointer<Float>) -> Double {
        guard let x = xs.baseAddress else { return 0 }
        var acc = SIMD8<Float>()
        var i = 0
        while i + 8 <= xs.count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            acc += v * v
            i += 8
        }
        var tail: Float = 0
        while i < xs.count { tail += x[i] * x[i]; i += 1 }
        return Double(acc.sum()) + Double(tail)
    }
}
