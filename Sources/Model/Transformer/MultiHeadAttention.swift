import Foundation
import Linalg

/// Multi-head scaled dot-product self-attention with a padding mask (BERT's and ViT's).
///
/// Q, K, V are three affine projections of the input; head h uses columns
/// h*dh ..< (h+1)*dh of each (dh = width / heads). Within a sequence, position i attends to the
/// real positions j with weights softmax_j(Q_i . K_j / sqrt(dh)); padded keys get weight exactly
/// 0 (excluded, not a large negative bias). The heads' outputs, concatenated, go through the
/// output projection. No dropout: training here is deterministic.
public struct MultiHeadAttention: Sendable, Equatable, NamedParameters {
    public var query: Linear
    public var key: Linear
    public var value: Linear
    public var output: Linear
    public let heads: Int

    public init(query: Linear, key: Linear, value: Linear, output: Linear, heads: Int) {
        let w = query.weight.rows
        precondition(heads > 0 && w % heads == 0, "MultiHeadAttention: \(heads) heads do not divide width \(w)")
        for l in [query, key, value, output] {
            precondition(l.weight.rows == w && l.weight.cols == w, "MultiHeadAttention: projections must be \(w) x \(w)")
        }
        self.query = query; self.key = key; self.value = value; self.output = output
        self.heads = heads
    }

    /// Random N(0, 0.02^2) projections (training from scratch).
    public init(width: Int, heads: Int, rng: inout RandomStream) {
        self.init(query: Linear(inputs: width, outputs: width, std: 0.02, rng: &rng),
                  key: Linear(inputs: width, outputs: width, std: 0.02, rng: &rng),
                  value: Linear(inputs: width, outputs: width, std: 0.02, rng: &rng),
                  output: Linear(inputs: width, outputs: width, std: 0.02, rng: &rng), heads: heads)
    }

    public var width: Int { query.weight.rows }
    public var headWidth: Int { width / heads }

    public mutating func forEachTensor(prefix: String, _ body: (String, inout Matrix) -> Void) {
        query.forEachTensor(prefix: prefix + "query.", body)
        key.forEachTensor(prefix: prefix + "key.", body)
        value.forEachTensor(prefix: prefix + "value.", body)
        output.forEachTensor(prefix: prefix + "output.", body)
    }

    public struct Trace: Sendable {
        var input: Matrix
        var q: Matrix, k: Matrix, v: Matrix
        /// Attention weights, [sequence][head][query i][key j], zero at padded keys.
        var weights: [Float]
        /// The heads' concatenated outputs (the output projection's input).
        var context: Matrix
        var mask: PaddingMask
    }

    /// Copies head h of sequence b (rows b*L..<(b+1)*L, columns h*dh..<(h+1)*dh) into `into` (L x dh).
    static func gatherHead(_ m: Matrix, sequence b: Int, head h: Int, length L: Int, headWidth dh: Int, into out: inout Matrix) {
        let d = m.cols
        m.storage.withUnsafeBufferPointer { src in
            out.storage.withUnsafeMutableBufferPointer { dst in
                for i in 0..<L { (dst.baseAddress! + i * dh).update(from: src.baseAddress! + (b * L + i) * d + h * dh, count: dh) }
            }
        }
    }

    /// Adds `head` (L x dh) into head h of sequence b of `m`.
    static func scatterHead(_ head: Matrix, sequence b: Int, head h: Int, length L: Int, into m: inout Matrix) {
        let d = m.cols, dh = head.cols
        head.storage.withUnsafeBufferPointer { src in
            m.storage.withUnsafeMutableBufferPointer { dst in
                for i in 0..<L {
                    let o = (b * L + i) * d + h * dh
                    for c in 0..<dh { dst[o + c] += src[i * dh + c] }
                }
            }
        }
    }

    /// Per sequence and head: S = Q_h K_h^T / sqrt(dh) (a gemm), softmax over the real keys
    /// (padded keys get weight 0; a row with no real key stays 0), C_h = P V_h (a gemm).
    public func forward(_ x: Matrix, mask: PaddingMask) -> (y: Matrix, trace: Trace) {
        precondition(x.rows == mask.rows && x.cols == width, "MultiHeadAttention: input \(x.rows)x\(x.cols), expected \(mask.rows)x\(width)")
        let q = query.applied(to: x), k = key.applied(to: x), v = value.applied(to: x)
        let L = mask.length, d = width, dh = headWidth, H = heads
        let scale = 1 / Float(dh).squareRoot()
        var weights = [Float](repeating: 0, count: mask.batch * H * L * L)
        var context = Matrix(rows: x.rows, cols: d)
        var qh = Matrix(rows: L, cols: dh), kh = qh, vh = qh, ch = qh
        var p = Matrix(rows: L, cols: L)
        for b in 0..<mask.batch {
            let valid = Array(mask.valid[(b * L)..<((b + 1) * L)])
            for h in 0..<H {
                Self.gatherHead(q, sequence: b, head: h, length: L, headWidth: dh, into: &qh)
                Self.gatherHead(k, sequence: b, head: h, length: L, headWidth: dh, into: &kh)
                Self.gatherHead(v, sequence: b, head: h, length: L, headWidth: dh, into: &vh)
                gemm(qh, .none, kh, .transposed, into: &p, alpha: scale)
                Self.maskedSoftmaxRows(&p, valid: valid)
                gemm(p, vh, into: &ch)
                Self.scatterHead(ch, sequence: b, head: h, length: L, into: &context)
                let w0 = (b * H + h) * L * L
                weights.withUnsafeMutableBufferPointer { w in
                    p.storage.withUnsafeBufferPointer { (w.baseAddress! + w0).update(from: $0.baseAddress!, count: L * L) }
                }
            }
        }
        let y = output.applied(to: context)
        return (y, Trace(input: x, q: q, k: k, v: v, weights: weights, context: context, mask: mask))
    }

    /// Row-wise softmax over the columns j with valid[j]; other columns become 0.
    static func maskedSoftmaxRows(_ p: inout Matrix, valid: [Bool]) {
        let L = p.cols
        p.storage.withUnsafeMutableBufferPointer { s in
            for i in 0..<p.rows {
                let o = i * L
                var m = -Float.infinity
                for j in 0..<L where valid[j] { m = max(m, s[o + j]) }
                guard m > -Float.infinity else { for j in 0..<L { s[o + j] = 0 }; continue }
                var sum: Float = 0
                for j in 0..<L {
                    if valid[j] { let e = expf(s[o + j] - m); s[o + j] = e; sum += e } else { s[o + j] = 0 }
                }
                let inv = 1 / sum
                for j in 0..<L { s[o + j] *= inv }
            }
        }
    }

    /// Adds the four projections' gradients into `grad` and returns dL/dx. Per sequence and head:
    /// dP = dC_h V_h^T, dV_h = P^T dC_h, dS = P * (dP - rowsum(P * dP)) / sqrt(dh),
    /// dQ_h = dS K_h, dK_h = dS^T Q_h (all gemms but the softmax step).
    public func backward(_ dy: Matrix, trace t: Trace, grad: inout MultiHeadAttention) -> Matrix {
        let dContext = output.backward(dy, input: t.context, grad: &grad.output)!
        let mask = t.mask, L = mask.length, d = width, dh = headWidth, H = heads
        let scale = 1 / Float(dh).squareRoot()
        var dq = Matrix(rows: dy.rows, cols: d), dk = dq, dv = dq
        var qh = Matrix(rows: L, cols: dh), kh = qh, vh = qh, dch = qh, out = qh
        var p = Matrix(rows: L, cols: L), dp = p
        for b in 0..<mask.batch {
            for h in 0..<H {
                Self.gatherHead(t.q, sequence: b, head: h, length: L, headWidth: dh, into: &qh)
                Self.gatherHead(t.k, sequence: b, head: h, length: L, headWidth: dh, into: &kh)
                Self.gatherHead(t.v, sequence: b, head: h, length: L, headWidth: dh, into: &vh)
                Self.gatherHead(dContext, sequence: b, head: h, length: L, headWidth: dh, into: &dch)
                let w0 = (b * H + h) * L * L
                t.weights.withUnsafeBufferPointer { w in
                    p.storage.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: w.baseAddress! + w0, count: L * L) }
                }
                gemm(dch, .none, vh, .transposed, into: &dp)
                gemm(p, .transposed, dch, .none, into: &out)
                Self.scatterHead(out, sequence: b, head: h, length: L, into: &dv)
                // dS in place of dP; P is 0 at padded keys, so their dS is 0 too.
                dp.storage.withUnsafeMutableBufferPointer { ds in
                    p.storage.withUnsafeBufferPointer { ps in
                        for i in 0..<L {
                            let o = i * L
                            var dot: Float = 0
                            for j in 0..<L { dot += ps[o + j] * ds[o + j] }
                            for j in 0..<L { ds[o + j] = ps[o + j] * (ds[o + j] - dot) * scale }
                        }
                    }
                }
                gemm(dp, kh, into: &out)
                Self.scatterHead(out, sequence: b, head: h, length: L, into: &dq)
                gemm(dp, .transposed, qh, .none, into: &out)
                Self.scatterHead(out, sequence: b, head: h, length: L, into: &dk)
            }
        }
        var dx = query.backward(dq, input: t.input, grad: &grad.query)!
        dx.add(key.backward(dk, input: t.input, grad: &grad.key)!)
        dx.add(value.backward(dv, input: t.input, grad: &grad.value)!)
        return dx
    }
}
