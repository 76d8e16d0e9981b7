import Foundation
import Linalg
import Testing
@testable import Model

/// Every layer and loss against finite differences (see GradientCheck for the tolerance).
struct LayerGradientTests {
    @Test func linear() {
        var rng = RandomStream(key: RandomKey("grad", "linear"))
        let layer = Linear(inputs: 7, outputs: 3, rng: &rng)
        let x = rng.normalMatrix(rows: 5, cols: 7), r = rng.normalMatrix(rows: 5, cols: 3)
        var grad = Linear(weight: Matrix(rows: 7, cols: 3), bias: Matrix(rows: 1, cols: 3))
        let dx = layer.backward(r, input: x, grad: &grad)!
        let w = GradientCheck.probes(21)
        for (i, n) in zip(w, GradientCheck.numeric(layer.weight, indices: w, loss: { GradientCheck.weightedSum(Linear(weight: $0, bias: layer.bias).forward(x), r) })) {
            #expect(GradientCheck.agrees(n, Double(grad.weight.storage[i])), "dW[\(i)]")
        }
        for (i, n) in zip(0..<3, GradientCheck.numeric(layer.bias, indices: Array(0..<3), loss: { GradientCheck.weightedSum(Linear(weight: layer.weight, bias: $0).forward(x), r) })) {
            #expect(GradientCheck.agrees(n, Double(grad.bias.storage[i])), "db[\(i)]")
        }
        let xi = GradientCheck.probes(35)
        for (i, n) in zip(xi, GradientCheck.numeric(x, indices: xi, loss: { GradientCheck.weightedSum(layer.forward($0), r) })) {
            #expect(GradientCheck.agrees(n, Double(dx.storage[i])), "dx[\(i)]")
        }
    }

    @Test func reluAndNormalize() {
        var rng = RandomStream(key: RandomKey("grad", "relu"))
        let x = GradientCheck.awayFromZero(4, 6, &rng), r = rng.normalMatrix(rows: 4, cols: 6)
        let dx = ReLU.backward(r, input: x)
        let idx = Array(0..<24)
        for (i, n) in zip(idx, GradientCheck.numeric(x, indices: idx, loss: { GradientCheck.weightedSum(ReLU.forward($0), r) })) {
            #expect(GradientCheck.agrees(n, Double(dx.storage[i])), "relu dx[\(i)]")
        }
        let (y, norms) = L2Normalize.forward(x)
        let dn = L2Normalize.backward(r, output: y, norms: norms)
        for (i, n) in zip(idx, GradientCheck.numeric(x, indices: idx, loss: { GradientCheck.weightedSum(L2Normalize.forward($0).y, r) })) {
            #expect(GradientCheck.agrees(n, Double(dn.storage[i])), "normalize dx[\(i)]")
        }
    }

    /// ReLU against its definition element by element, at lengths around the lane width and at
    /// the values a vector select could get wrong: zeros of both signs, NaN, infinities.
    @Test(arguments: [1, 7, 8, 9, 17, 40])
    func reluMatchesDefinitionAtEveryLength(count n: Int) {
        let specials: [Float] = [0, -0.0, .nan, .infinity, -.infinity, 1e-38, -1e-38, 2.5, -2.5]
        let x = Matrix(rows: 1, cols: n, storage: (0..<n).map { specials[($0 * 5) % specials.count] })
        let dy = Matrix(rows: 1, cols: n, storage: (0..<n).map { Float($0) + 0.5 })
        let y = ReLU.forward(x), dx = ReLU.backward(dy, input: x)
        for i in 0..<n {
            let xi = x.storage[i]
            let expected: Float = xi < 0 ? 0 : xi  // NaN and -0 pass through
            #expect(y.storage[i].bitPattern == expected.bitPattern, "forward[\(i)] of \(xi)")
            #expect(dx.storage[i] == (xi > 0 ? dy.storage[i] : (xi.isNaN ? dy.storage[i] : 0)), "backward[\(i)] of \(xi)")
        }
    }

    @Test func tokenPooling() {
        var rng = RandomStream(key: RandomKey("grad", "pool"))
        let e = rng.normalMatrix(rows: 6, cols: 3), p = rng.normalMatrix(rows: 4, cols: 3)
        let tokens: [Int32] = [2, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 4, 2, 1]  // third caption is empty
        let r = rng.normalMatrix(rows: 4, cols: 3)
        var ge = Matrix(rows: 6, cols: 3), gp = Matrix(rows: 4, cols: 3)
        TokenPooling.backward(r, tokens: tokens, length: 4, tokenGrad: &ge, positionGrad: &gp)
        let pooled = TokenPooling.forward(tokens: tokens, length: 4, tokenEmbedding: e, positionEmbedding: p)
        #expect(pooled.row(2) == [0, 0, 0])
        // Hand value: caption 0 = mean of (e2 + p0, e5 + p1, e5 + p2).
        #expect(abs(pooled[0, 1] - (e[2, 1] + p[0, 1] + 2 * e[5, 1] + p[1, 1] + p[2, 1]) / 3) < 1e-6)
        let ei = Array(0..<18), pi = Array(0..<12)
        for (i, n) in zip(ei, GradientCheck.numeric(e, indices: ei, loss: { GradientCheck.weightedSum(TokenPooling.forward(tokens: tokens, length: 4, tokenEmbedding: $0, positionEmbedding: p), r) })) {
            #expect(GradientCheck.agrees(n, Double(ge.storage[i])), "dE[\(i)]")
        }
        for (i, n) in zip(pi, GradientCheck.numeric(p, indices: pi, loss: { GradientCheck.weightedSum(TokenPooling.forward(tokens: tokens, length: 4, tokenEmbedding: e, positionEmbedding: $0), r) })) {
            #expect(GradientCheck.agrees(n, Double(gp.storage[i])), "dP[\(i)]")
        }
    }

    @Test func contrastiveLossGradients() {
        var rng = RandomStream(key: RandomKey("grad", "infonce"))
        let v = rng.normalMatrix(rows: 5, cols: 4).l2NormalizedRows().normalized
        let u = rng.normalMatrix(rows: 5, cols: 4).l2NormalizedRows().normalized
        let t: Float = 1.2
        let r = contrastiveLoss(images: v, captions: u, logScale: t)
        let idx = Array(0..<20)
        for (i, n) in zip(idx, GradientCheck.numeric(v, indices: idx, loss: { contrastiveLoss(images: $0, captions: u, logScale: t).loss })) {
            #expect(GradientCheck.agrees(n, Double(r.dImages.storage[i])), "dV[\(i)]")
        }
        for (i, n) in zip(idx, GradientCheck.numeric(u, indices: idx, loss: { contrastiveLoss(images: v, captions: $0, logScale: t).loss })) {
            #expect(GradientCheck.agrees(n, Double(r.dCaptions.storage[i])), "dU[\(i)]")
        }
        let h: Float = 1e-3
        let nt = (contrastiveLoss(images: v, captions: u, logScale: t + h).loss - contrastiveLoss(images: v, captions: u, logScale: t - h).loss) / Double(2 * h)
        #expect(GradientCheck.agrees(nt, Double(r.dLogScale)))
        // Hand value for a 2-pair batch with orthogonal wrong pairs: loss = log(1 + e^{-s}).
        let e2 = Matrix([[1, 0], [0, 1]])
        let hand = contrastiveLoss(images: e2, captions: e2, logScale: 0).loss
        #expect(abs(hand - log(1 + exp(-1.0))) < 1e-6)
    }

    /// The evaluation's loss-only InfoNCE against the definition in Double (naive loops) and
    /// against the training loss's value.
    @Test func contrastiveLossValueFollowsTheDefinition() {
        var rng = RandomStream(key: RandomKey("value", "infonce"))
        let v = rng.normalMatrix(rows: 7, cols: 5).l2NormalizedRows().normalized
        let u = rng.normalMatrix(rows: 7, cols: 5).l2NormalizedRows().normalized
        let t: Float = 2.3, s = exp(Double(t))
        var ref = 0.0
        for i in 0..<7 {
            func logit(_ a: Int, _ b: Int) -> Double { s * (0..<5).reduce(0.0) { $0 + Double(v[a, $1]) * Double(u[b, $1]) } }
            let rowSum = (0..<7).reduce(0.0) { $0 + exp(logit(i, $1)) }, colSum = (0..<7).reduce(0.0) { $0 + exp(logit($1, i)) }
            ref += (log(rowSum) - logit(i, i)) + (log(colSum) - logit(i, i))
        }
        ref /= 14
        #expect(abs(contrastiveLossValue(images: v, captions: u, logScale: t) - ref) < 1e-5)
        #expect(abs(contrastiveLossValue(images: v, captions: u, logScale: t) - contrastiveLoss(images: v, captions: u, logScale: t).loss) < 1e-5)
    }

    @Test func softCrossEntropyGradientsAndValues() {
        var rng = RandomStream(key: RandomKey("grad", "ce"))
        let z = rng.normalMatrix(rows: 3, cols: 4, std: 2)
        var q = rng.normalMatrix(rows: 3, cols: 4).map(abs)
        for i in 0..<3 { let s = q.row(i).reduce(0, +); for j in 0..<4 { q[i, j] /= s } }
        let (loss, d) = softCrossEntropy(logits: z, targets: q)
        // Reference loss by the definition in Double.
        var ref = 0.0
        for i in 0..<3 {
            let row = z.row(i).map(Double.init)
            let lse = log(row.map(exp).reduce(0, +))
            for j in 0..<4 { ref -= Double(q[i, j]) * (row[j] - lse) }
        }
        #expect(abs(loss - ref / 3) < 1e-5)
        let idx = Array(0..<12)
        for (i, n) in zip(idx, GradientCheck.numeric(z, indices: idx, loss: { softCrossEntropy(logits: $0, targets: q).loss })) {
            #expect(GradientCheck.agrees(n, Double(d.storage[i])), "dz[\(i)]")
        }
    }
}
