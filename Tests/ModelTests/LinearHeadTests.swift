import Foundation
import Linalg
import Testing
@testable import Model

/// The frozen protocol's shared head against independent references: central differences for
/// the gradient, a naive loop for logits, accuracy and loss, and the zero-shot classifier for an
/// untrained head.
struct LinearHeadTests {
    static func unitRows(_ rows: Int, _ cols: Int, _ name: String) -> Matrix {
        var rng = RandomStream(key: RandomKey("head", .string(name)))
        return rng.normalMatrix(rows: rows, cols: cols).l2NormalizedRows().normalized
    }

    /// A head with 5 classes of width 6 whose weights and biases have moved off the prompts.
    static func trainedLookingHead() -> LinearHead {
        var rng = RandomStream(key: RandomKey("head", "weights"))
        let w = rng.normalMatrix(rows: 6, cols: 5, std: 0.5)
        let b = rng.normalMatrix(rows: 1, cols: 5, std: 0.3)
        return LinearHead(weight: w, bias: b, scale: 3.5)
    }

    /// Naive reference: z_ic = s·Σ_k v_ik W_kc + b_c, in Double.
    static func naiveLogits(_ h: LinearHead, _ v: Matrix) -> [[Double]] {
        (0..<v.rows).map { i in
            (0..<h.classCount).map { c in
                var z = 0.0
                for k in 0..<v.cols { z += Double(v.storage[i * v.cols + k]) * Double(h.weight.storage[k * h.classCount + c]) }
                return Double(h.scale) * z + Double(h.bias.storage[c])
            }
        }
    }

    static func naiveLoss(_ h: LinearHead, _ v: Matrix, _ y: [Int]) -> Double {
        let z = naiveLogits(h, v)
        var loss = 0.0
        for (i, row) in z.enumerated() {
            let m = row.max()!
            let lse = m + log(row.map { exp($0 - m) }.reduce(0, +))
            loss += lse - row[y[i]]
        }
        return loss / Double(v.rows)
    }

    @Test func gradientMatchesCentralDifferences() {
        let h = Self.trainedLookingHead()
        let v = Self.unitRows(7, 6, "x")
        let y = [0, 4, 2, 2, 1, 3, 0]
        let (loss, gw, gb) = h.lossAndGradient(v, labels: y)
        #expect(abs(loss - Self.naiveLoss(h, v, y)) < 1e-5)
        let wNumeric = GradientCheck.numeric(h.weight, indices: Array(0..<h.weight.count)) { w in
            Self.naiveLoss(LinearHead(weight: w, bias: h.bias, scale: h.scale), v, y)
        }
        for (i, n) in wNumeric.enumerated() {
            #expect(GradientCheck.agrees(n, Double(gw.storage[i])), "dW[\(i)]: numeric \(n), analytic \(gw.storage[i])")
        }
        let bNumeric = GradientCheck.numeric(h.bias, indices: Array(0..<h.bias.count)) { b in
            Self.naiveLoss(LinearHead(weight: h.weight, bias: b, scale: h.scale), v, y)
        }
        for (i, n) in bNumeric.enumerated() {
            #expect(GradientCheck.agrees(n, Double(gb.storage[i])), "db[\(i)]: numeric \(n), analytic \(gb.storage[i])")
        }
    }

    @Test func accuracyAndLossMatchANaiveLoop() {
        let h = Self.trainedLookingHead()
        let v = Self.unitRows(40, 6, "eval")
        let y = (0..<40).map { ($0 * 7 + 3) % 5 }
        let z = Self.naiveLogits(h, v)
        var correct = 0
        for (i, row) in z.enumerated() where row.firstIndex(of: row.max()!)! == y[i] { correct += 1 }
        let r = h.evaluate(v, labels: y)
        #expect(r.accuracy == Double(correct) / 40)
        #expect(correct > 0 && correct < 40)  // the check is not trivially all-or-nothing
        #expect(abs(r.loss - Self.naiveLoss(h, v, y)) < 1e-5)
        let logits = h.logits(v)
        for i in 0..<40 { for c in 0..<5 { #expect(abs(Double(logits.storage[i * 5 + c]) - z[i][c]) < 1e-5) } }
    }

    /// An untrained head is the zero-shot classifier: logits = s·cos(v, prompt_c), bias 0, and
    /// classes added later keep the earlier columns.
    @Test func untrainedHeadIsZeroShot() {
        let prompts = Self.unitRows(4, 6, "prompts")
        var h = LinearHead(embedding: 6, scale: 2.5)
        h.addClasses(prompts.gatherRows([0, 1]))
        h.addClasses(prompts.gatherRows([2, 3]))
        #expect(h.classCount == 4)
        let v = Self.unitRows(9, 6, "images")
        let z = h.logits(v)
        for i in 0..<9 {
            for c in 0..<4 {
                var dot = 0.0, nv = 0.0, nu = 0.0
                for k in 0..<6 {
                    let a = Double(v.storage[i * 6 + k]), b = Double(prompts.storage[c * 6 + k])
                    dot += a * b; nv += a * a; nu += b * b
                }
                let expected = 2.5 * dot / (nv.squareRoot() * nu.squareRoot())
                #expect(abs(Double(z.storage[i * 4 + c]) - expected) < 1e-5, "logit (\(i), \(c))")
            }
        }
        #expect(h.bias.storage == [0, 0, 0, 0])
    }

    /// One optimiser step lowers the loss, and biases are not decayed.
    @Test func anOptimiserStepDescends() {
        var h = Self.trainedLookingHead()
        let v = Self.unitRows(20, 6, "train")
        let y = (0..<20).map { $0 % 5 }
        var opt = LinearHead.Optimizer(config: AdamW.Config())
        let before = h.lossAndGradient(v, labels: y)
        opt.update(&h, weight: before.weight, bias: before.bias)
        #expect(h.lossAndGradient(v, labels: y).loss < before.loss)
    }
}
