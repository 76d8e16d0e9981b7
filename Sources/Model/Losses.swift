import Foundation
import Linalg

/// logits = exp(t) * A B^T: the scaled cosine similarities of unit rows, with t the learnable
/// log logit scale shared by both towers.
public enum ScaledSimilarity {
    public static func forward(_ a: Matrix, _ b: Matrix, logScale t: Float) -> (logits: Matrix, similarity: Matrix) {
        let sim = matmul(a, .none, b, .transposed)
        return (expf(t) * sim, sim)
    }

    /// dL/dA, dL/dB and dL/dt from dL/dlogits.
    public static func backward(_ dLogits: Matrix, _ a: Matrix, _ b: Matrix, similarity: Matrix, logScale t: Float)
        -> (da: Matrix, db: Matrix, dt: Float)
    {
        let s = expf(t)
        var da = Matrix(rows: a.rows, cols: a.cols), db = Matrix(rows: b.rows, cols: b.cols)
        gemm(dLogits, .none, b, .none, into: &da, alpha: s)
        gemm(dLogits, .transposed, a, .none, into: &db, alpha: s)
        var dot = 0.0
        for i in 0..<dLogits.count { dot += Double(dLogits.storage[i]) * Double(similarity.storage[i]) }
        return (da, db, Float(dot) * s)
    }
}

/// Mean over rows of -sum_k q_k log softmax(z)_k, for target distributions q (one-hot or soft).
/// The loss is accumulated in Double; dL/dz = (softmax(z) - q) / rows.
public func softCrossEntropy(logits z: Matrix, targets q: Matrix) -> (loss: Double, dLogits: Matrix) {
    precondition(z.rows == q.rows && z.cols == q.cols, "cross entropy: logits and targets differ in shape")
    let logp = z.logSoftmaxRows()
    var loss = 0.0
    var d = Matrix(rows: z.rows, cols: z.cols)
    let inv = 1 / Float(z.rows)
    for i in 0..<z.count {
        loss -= Double(q.storage[i]) * Double(logp.storage[i])
        d.storage[i] = (expf(logp.storage[i]) - q.storage[i]) * inv
    }
    return (loss / Double(z.rows), d)
}

/// One-hot rows for integer labels.
public func oneHot(_ labels: [Int], classes: Int) -> Matrix {
    var m = Matrix(rows: labels.count, cols: classes)
    for (i, l) in labels.enumerated() { m[i, l] = 1 }
    return m
}

/// The symmetric InfoNCE of `contrastiveLoss` without gradients, accumulated in Double: what
/// evaluation reports of a checkpoint (the whole evaluation set is the batch).
public func contrastiveLossValue(images v: Matrix, captions u: Matrix, logScale t: Float) -> Double {
    precondition(v.rows == u.rows && v.cols == u.cols, "one caption per image")
    let n = v.rows
    let logits = expf(t) * matmul(v, .none, u, .transposed)
    let byImage = logits.logSoftmaxRows(), byCaption = logits.transposed().logSoftmaxRows()
    var total = 0.0
    for i in 0..<n { total -= Double(byImage.storage[i * n + i]) + Double(byCaption.storage[i * n + i]) }
    return total / Double(2 * n)
}

/// Symmetric InfoNCE (CLIP's pretraining loss): image i should pick caption i among the batch,
/// and caption i image i. Returns the loss and gradients for both unit-embedding sets and t.
public func contrastiveLoss(images v: Matrix, captions u: Matrix, logScale t: Float)
    -> (loss: Double, dImages: Matrix, dCaptions: Matrix, dLogScale: Float)
{
    let (logits, sim) = ScaledSimilarity.forward(v, u, logScale: t)
    let eye = oneHot(Array(0..<v.rows), classes: v.rows)
    let (l1, d1) = softCrossEntropy(logits: logits, targets: eye)
    let (l2, d2) = softCrossEntropy(logits: logits.transposed(), targets: eye)
    var d = d1
    d.add(d2.transposed())
    d.scale(by: 0.5)
    let (dv, du, dt) = ScaledSimilarity.backward(d, v, u, similarity: sim, logScale: t)
    return ((l1 + l2) / 2, dv, du, dt)
}
