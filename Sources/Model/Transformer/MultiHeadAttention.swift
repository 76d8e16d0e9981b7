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

    public func forward(_ x: Matrix, mask: PaddingMask) -> (y: Matrix, trace: Trace) {
        precondition(x.rows == mask.rows && x.cols == width, "MultiHeadAttention: input \(x.rows)x\(x.cols), expected \(mask.rows)x\(width)")
        let q = query.forward(x), k = key.forward(x), v = value.forward(x)
        let L = mask.length, d = width, dh = headWidth, H = heads
        let scale = 1 / Float(dh).squareRoot()
        var weights = [Float](repeating: 0, count: mask.batch * H * L * L)
        var context = Matrix(rows: x.rows, cols: d)
        var scores = [Float](repeating: 0, count: L)
        q.storage.withUnsafeBufferPointer { qs in
        k.storage.withUnsafeBufferPointer { ks in
        v.storage.withUnsafeBufferPointer { vs in
        context.storage.withUnsafeMutableBufferPointer { cs in
        weights.withUnsafeMutableBufferPointer { ws in
        mask.valid.withUnsafeBufferPointer { valid in
            for b in 0..<mask.batch {
                let row0 = b * L
                for h in 0..<H {
                    let col0 = h * dh
                    for i in 0..<L {
                        let qi = (row0 + i) * d + col0
                        var m = -Float.infinity
                        for j in 0..<L where valid[row0 + j] {
                            let kj = (row0 + j) * d + col0
                            var s: Float = 0
                            for c in 0..<dh { s += qs[qi + c] * ks[kj + c] }
                            s *= scale
                            scores[j] = s
                            m = max(m, s)
                        }
                        guard m > -Float.infinity else { continue }  // no real key: weights and context stay 0
                        var sum: Float = 0
                        for j in 0..<L where valid[row0 + j] { let e = expf(scores[j] - m); scores[j] = e; sum += e }
                        let inv = 1 / sum
                        let w0 = ((b * H + h) * L + i) * L
                        let ci = (row0 + i) * d + col0
                        for j in 0..<L where valid[row0 + j] {
                            let p = scores[j] * inv
                            ws[w0 + j] = p
                            let vj = (row0 + j) * d + col0
                            for c in 0..<dh { cs[ci + c] += p * vs[vj + c] }
                        }
                    }
                }
            }
        }}}}}}
        let y = output.forward(context)
        return (y, Trace(input: x, q: q, k: k, v: v, weights: weights, context: context, mask: mask))
    }

    /// Adds the four projections' gradients into `grad` and returns dL/dx.
    public func backward(_ dy: Matrix, trace t: Trace, grad: inout MultiHeadAttention) -> Matrix {
        let dContext = output.backward(dy, input: t.context, grad: &grad.output)!
        let mask = t.mask, L = mask.length, d = width, dh = headWidth, H = heads
        let scale = 1 / Float(dh).squareRoot()
        var dq = Matrix(rows: dy.rows, cols: d), dk = dq, dv = dq
        var dp = [Float](repeating: 0, count: L)
        t.q.storage.withUnsafeBufferPointer { qs in
        t.k.storage.withUnsafeBufferPointer { ks in
        t.v.storage.withUnsafeBufferPointer { vs in
        t.weights.withUnsafeBufferPointer { ws in
        dContext.storage.withUnsafeBufferPointer { dcs in
        dq.storage.withUnsafeMutableBufferPointer { dqs in
        dk.storage.withUnsafeMutableBufferPointer { dks in
        dv.storage.withUnsafeMutableBufferPointer { dvs in
        mask.valid.withUnsafeBufferPointer { valid in
            for b in 0..<mask.batch {
                let row0 = b * L
                for h in 0..<H {
                    let col0 = h * dh
                    for i in 0..<L {
                        let w0 = ((b * H + h) * L + i) * L
                        let ci = (row0 + i) * d + col0
                        // dP_ij = dC_i . V_j; dV_j += P_ij dC_i; then the softmax backward.
                        var dot: Float = 0
                        for j in 0..<L where valid[row0 + j] {
                            let p = ws[w0 + j]
                            let vj = (row0 + j) * d + col0
                            var s: Float = 0
                            for c in 0..<dh { s += dcs[ci + c] * vs[vj + c]; dvs[vj + c] += p * dcs[ci + c] }
                            dp[j] = s
                            dot += p * s
                        }
                        for j in 0..<L where valid[row0 + j] {
                            let ds = ws[w0 + j] * (dp[j] - dot) * scale
                            let kj = (row0 + j) * d + col0
                            for c in 0..<dh {
                                dqs[ci + c] += ds * ks[kj + c]
                                dks[kj + c] += ds * qs[ci + c]
                            }
                        }
                    }
                }
            }
        }}}}}}}}}
        var dx = query.backward(dq, input: t.input, grad: &grad.query)!
        dx.add(key.backward(dk, input: t.input, grad: &grad.key)!)
        dx.add(value.backward(dv, input: t.input, grad: &grad.value)!)
        return dx
    }
}
