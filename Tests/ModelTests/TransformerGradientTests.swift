import Foundation
import Linalg
import Testing
@testable import Model

/// The transformer layers against finite differences (GradientCheck's tolerance), for every
/// named parameter tensor and for the input, plus hand values and masking properties.
struct TransformerGradientTests {
    /// Every tensor replaced by N(0, std^2) draws (gamma around 1), so gradients are O(1) and
    /// the absolute part of the tolerance cannot hide a wrong one.
    static func randomized<P: NamedParameters>(_ p: P, _ rng: inout RandomStream, std: Float = 0.4) -> P {
        var q = p
        q.forEachTensor(prefix: "") { name, m in
            let r = rng.normalMatrix(rows: m.rows, cols: m.cols, std: std)
            m = name.hasSuffix("gamma") ? r.map { 1 + $0 } : r
        }
        return q
    }

    /// Checks the analytic parameter gradient `grad` of `loss` at `p`, probing each tensor.
    static func checkParameters<P: NamedParameters>(_ p: P, grad: P, limit: Int = 8, loss: (P) -> Double,
                                                    sourceLocation: SourceLocation = #_sourceLocation) {
        let analytic = grad.namedTensors()
        for (t, (name, m)) in p.namedTensors().enumerated() {
            for i in GradientCheck.probes(m.count, limit: limit) {
                func moved(_ delta: Float) -> P {
                    var q = p, k = 0
                    q.forEachTensor(prefix: "") { _, x in if k == t { x.storage[i] += delta }; k += 1 }
                    return q
                }
                let n = (loss(moved(GradientCheck.h)) - loss(moved(-GradientCheck.h))) / Double(2 * GradientCheck.h)
                let a = Double(analytic[t].value.storage[i])
                #expect(GradientCheck.agrees(n, a), "d\(name)[\(i)]: numeric \(n), analytic \(a)", sourceLocation: sourceLocation)
            }
        }
    }

    static func checkInput(_ x: Matrix, dx: Matrix, limit: Int = 24, loss: (Matrix) -> Double,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        let idx = GradientCheck.probes(x.count, limit: limit)
        for (i, n) in zip(idx, GradientCheck.numeric(x, indices: idx, loss: loss)) {
            #expect(GradientCheck.agrees(n, Double(dx.storage[i])), "dx[\(i)]: numeric \(n), analytic \(dx.storage[i])",
                    sourceLocation: sourceLocation)
        }
    }

    static let mask = PaddingMask(lengths: [4, 2, 1], length: 4)

    @Test func geluValuesAndGradient() {
        // Hand values: gelu(x) = x Phi(x); Phi(1) = 0.8413447461, Phi(-2) = 0.0227501319.
        let y = GELU.forward(Matrix([[1, -2, 0, 3]]))
        #expect(abs(y[0, 0] - 0.8413447) < 1e-6)
        #expect(abs(y[0, 1] - -2 * 0.0227501319) < 1e-6)
        #expect(y[0, 2] == 0)
        #expect(abs(y[0, 3] - 3 * 0.9986501020) < 1e-5)
        var rng = RandomStream(key: RandomKey("grad", "gelu"))
        let x = rng.normalMatrix(rows: 3, cols: 7, std: 2), r = rng.normalMatrix(rows: 3, cols: 7)
        Self.checkInput(x, dx: GELU.backward(r, input: x), loss: { GradientCheck.weightedSum(GELU.forward($0), r) })
    }

    /// The vectorised erf inside GELU.forward against libm's erff on a dense grid over [-6, 6]
    /// (and at every tail length of the eight-lane loop): |error| < 4e-7 in erf, so GELU is
    /// within 4e-7 |x| + 1e-7 of x Phi(x).
    @Test func geluForwardMatchesLibm() {
        let n = 120_001
        let x = Matrix(rows: 1, cols: n, storage: (0..<n).map { -6 + 12 * Float($0) / Float(n - 1) })
        let y = GELU.forward(x)
        var worst: Float = 0
        for i in 0..<n {
            let v = x.storage[i]
            let exact = 0.5 * Double(v) * (1 + Double(erff(v * GELU.invSqrt2)))
            worst = max(worst, Float(abs(Double(y.storage[i]) - exact)) - 4e-7 * abs(v))
        }
        #expect(worst < 1e-7, "GELU error beyond the bound: \(worst)")
        for count in 1...17 {
            let m = Matrix(rows: 1, cols: count, storage: (0..<count).map { Float($0) * 0.37 - 2 })
            let g = GELU.forward(m)
            for i in 0..<count { #expect(abs(g.storage[i] - 0.5 * m.storage[i] * (1 + erff(m.storage[i] * GELU.invSqrt2))) < 2e-6) }
        }
        #expect(GELU.forward(Matrix([[.nan]])).storage[0].isNaN)
    }

    /// `Linear.applied(to:)` (bias first, gemm accumulating) equals `forward`, zero sizes included.
    @Test func fusedAffineEqualsForward() {
        var rng = RandomStream(key: RandomKey("grad", "fused"))
        for (r, i, o) in [(5, 7, 3), (0, 4, 2), (3, 4, 0), (1, 1, 1)] {
            let l = Linear(inputs: i, outputs: o, std: 0.5, rng: &rng)
            var l2 = l
            l2.bias = rng.normalMatrix(rows: 1, cols: o)
            let x = rng.normalMatrix(rows: r, cols: i)
            #expect(l2.applied(to: x).maxAbsDifference(l2.forward(x)) <= 1e-6)
            #expect(l2.applied(to: x).rows == r)
        }
    }

    @Test func layerNorm() {
        var rng = RandomStream(key: RandomKey("grad", "layernorm"))
        let plain = LayerNorm(width: 6, epsilon: 1e-5)
        let x = rng.normalMatrix(rows: 5, cols: 6, std: 1.5), r = rng.normalMatrix(rows: 5, cols: 6)
        // gamma 1, beta 0: every row has mean 0 and (biased) variance var / (var + eps).
        let (y0, _) = plain.forward(x)
        func variance(_ row: [Double]) -> Double {
            let m = row.reduce(0, +) / Double(row.count)
            return row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(row.count)
        }
        for i in 0..<5 {
            let row = y0.row(i).map(Double.init), v = variance(x.row(i).map(Double.init))
            #expect(abs(row.reduce(0, +) / 6) < 1e-6)
            #expect(abs(variance(row) - v / (v + 1e-5)) < 1e-5)
        }
        let ln = Self.randomized(plain, &rng)
        let (_, trace) = ln.forward(x)
        var grad = ln.zeros()
        let dx = ln.backward(r, input: x, trace: trace, grad: &grad)
        Self.checkParameters(ln, grad: grad) { GradientCheck.weightedSum($0.forward(x).y, r) }
        Self.checkInput(x, dx: dx) { GradientCheck.weightedSum(ln.forward($0).y, r) }
    }

    @Test func meanPooling() {
        var rng = RandomStream(key: RandomKey("grad", "meanpool"))
        let mask = PaddingMask(lengths: [3, 0, 1], length: 3)  // the second sequence is empty
        let x = rng.normalMatrix(rows: 9, cols: 4), r = rng.normalMatrix(rows: 3, cols: 4)
        let y = MeanPooling.forward(x, mask: mask)
        #expect(abs(y[0, 2] - (x[0, 2] + x[1, 2] + x[2, 2]) / 3) < 1e-6)
        #expect(y.row(1) == [0, 0, 0, 0])
        #expect(y.row(2) == x.row(6))
        Self.checkInput(x, dx: MeanPooling.backward(r, mask: mask), limit: 36) { GradientCheck.weightedSum(MeanPooling.forward($0, mask: mask), r) }
    }

    @Test func attention() {
        var rng = RandomStream(key: RandomKey("grad", "attention"))
        let att = Self.randomized(MultiHeadAttention(width: 6, heads: 2, rng: &rng), &rng)
        let x = rng.normalMatrix(rows: Self.mask.rows, cols: 6), r = rng.normalMatrix(rows: Self.mask.rows, cols: 6)
        let (_, trace) = att.forward(x, mask: Self.mask)
        var grad = att.zeros()
        let dx = att.backward(r, trace: trace, grad: &grad)
        Self.checkParameters(att, grad: grad) { GradientCheck.weightedSum($0.forward(x, mask: Self.mask).y, r) }
        Self.checkInput(x, dx: dx, limit: 72) { GradientCheck.weightedSum(att.forward($0, mask: Self.mask).y, r) }
    }

    /// Padded positions never reach a real position's output, and their rows get no gradient
    /// from real positions' losses; a single head reproduces softmax(QK^T/sqrt d)V by hand.
    @Test func attentionMaskAndHandValue() {
        var rng = RandomStream(key: RandomKey("grad", "attention-mask"))
        let att = Self.randomized(MultiHeadAttention(width: 4, heads: 2, rng: &rng), &rng)
        let mask = PaddingMask(lengths: [2, 3], length: 3)
        var x = rng.normalMatrix(rows: 6, cols: 4)
        let y1 = att.forward(x, mask: mask).y
        for j in 0..<4 { x[2, j] += 7 }  // position 2 of sequence 0 is padding
        let y2 = att.forward(x, mask: mask).y
        for i in [0, 1, 3, 4, 5] { #expect(y1.row(i) == y2.row(i), "row \(i) saw a padded key") }

        // One head, identity projections: out_i = sum_j softmax_j(x_i . x_j / sqrt 2) x_j.
        let eye = Matrix([[1, 0], [0, 1]]), zero = Matrix(rows: 1, cols: 2)
        let id = Linear(weight: eye, bias: zero)
        let one = MultiHeadAttention(query: id, key: id, value: id, output: id, heads: 1)
        let s = Matrix([[1, 0], [0, 2], [5, 5]])
        let out = one.forward(s, mask: PaddingMask(lengths: [2], length: 3)).y
        for i in 0..<2 {
            let logits = (0..<2).map { j in Double(s[i, 0] * s[j, 0] + s[i, 1] * s[j, 1]) / 2.0.squareRoot() }
            let e = logits.map { exp($0 - logits.max()!) }, z = e.reduce(0, +)
            for c in 0..<2 {
                let ref = (0..<2).map { j in e[j] / z * Double(s[j, c]) }.reduce(0, +)
                #expect(abs(Double(out[i, c]) - ref) < 1e-6)
            }
        }
    }

    @Test func feedForward() {
        var rng = RandomStream(key: RandomKey("grad", "ffn"))
        let ffn = Self.randomized(FeedForward(width: 5, hidden: 9, rng: &rng), &rng)
        let x = rng.normalMatrix(rows: 4, cols: 5), r = rng.normalMatrix(rows: 4, cols: 5)
        let (_, trace) = ffn.forward(x)
        var grad = ffn.zeros()
        let dx = ffn.backward(r, trace: trace, grad: &grad)
        Self.checkParameters(ffn, grad: grad) { GradientCheck.weightedSum($0.forward(x).y, r) }
        Self.checkInput(x, dx: dx) { GradientCheck.weightedSum(ffn.forward($0).y, r) }
    }

    @Test(arguments: TransformerBlock.NormPlacement.allCases)
    func block(placement: TransformerBlock.NormPlacement) {
        var rng = RandomStream(key: RandomKey("grad", "block", .string(placement.rawValue)))
        let block = Self.randomized(TransformerBlock(width: 6, heads: 2, hidden: 8, placement: placement, epsilon: 1e-5, rng: &rng), &rng)
        // r of scale 0.25 keeps the loss O(1): the pre-norm block's outputs are not normalised, and
        // with r ~ N(0, 1) the loss's Float32 rounding (u sqrt(n) |y| / h) reaches the tolerance
        // (key.bias has an exactly zero gradient, so that noise is all a check of it sees).
        let x = rng.normalMatrix(rows: Self.mask.rows, cols: 6), r = rng.normalMatrix(rows: Self.mask.rows, cols: 6, std: 0.25)
        let (_, trace) = block.forward(x, mask: Self.mask)
        var grad = block.zeros()
        let dx = block.backward(r, trace: trace, grad: &grad)
        #expect(block.namedTensors().map(\.name).first == "attention.query.weight")
        #expect(block.namedTensors().count == 16)
        Self.checkParameters(block, grad: grad, limit: 6) { GradientCheck.weightedSum($0.forward(x, mask: Self.mask).y, r) }
        Self.checkInput(x, dx: dx, limit: 72) { GradientCheck.weightedSum(block.forward($0, mask: Self.mask).y, r) }
    }

    /// Two blocks then mean pooling: the composition a tower uses, end to end.
    @Test func stackAndPooling() {
        var rng = RandomStream(key: RandomKey("grad", "stack"))
        let b1 = Self.randomized(TransformerBlock(width: 4, heads: 2, hidden: 6, placement: .postNorm, epsilon: 1e-5, rng: &rng), &rng)
        let b2 = Self.randomized(TransformerBlock(width: 4, heads: 2, hidden: 6, placement: .postNorm, epsilon: 1e-5, rng: &rng), &rng)
        let x = rng.normalMatrix(rows: Self.mask.rows, cols: 4), r = rng.normalMatrix(rows: Self.mask.batch, cols: 4)
        func loss(_ x: Matrix) -> Double {
            GradientCheck.weightedSum(MeanPooling.forward(b2.forward(b1.forward(x, mask: Self.mask).y, mask: Self.mask).y, mask: Self.mask), r)
        }
        let (h, t1) = b1.forward(x, mask: Self.mask)
        let (_, t2) = b2.forward(h, mask: Self.mask)
        var g1 = b1.zeros(), g2 = b2.zeros()
        let dx = b1.backward(b2.backward(MeanPooling.backward(r, mask: Self.mask), trace: t2, grad: &g2), trace: t1, grad: &g1)
        Self.checkInput(x, dx: dx, limit: 48, loss: loss)
    }
}
