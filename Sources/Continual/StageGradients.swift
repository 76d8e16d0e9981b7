import Foundation
import Linalg
import Model

/// Catches a stage's first gradient for the gradient-alignment diagnostic (DESIGN.md section 10,
/// CBF paragraph) without touching training: the fine-tuning loop hands it a copy of step 0's
/// gradient and reads nothing back. A reference type because a method's `train` receives its
/// context by value; the harness keeps the other reference and reads the gradient afterwards.
public final class FirstGradientProbe: @unchecked Sendable {
    /// The stage's first gradient and the factor the method applied to each group's step.
    public struct Capture: Sendable {
        /// ∇ of the method's whole step-0 objective (CE + λ·CLIP, the method's extra terms and
        /// gradient adjustments) over every tower, frozen ones included: unmasked and unscaled.
        public var gradient: DualEncoder
        /// 0 for a group the loop keeps frozen, CBF's continuous factor p_g where it scales a
        /// group's step, else 1.
        public var scale: [ParameterGroup: Double]
    }

    private let lock = NSLock()
    private var captured: Capture?

    public init() {}

    /// Keeps the first capture of the stage; later calls (a loop run twice) are ignored.
    func record(_ c: Capture) {
        lock.lock(); defer { lock.unlock() }
        if captured == nil { captured = c }
    }

    public var capture: Capture? {
        lock.lock(); defer { lock.unlock() }
        return captured
    }
}

/// The two gradients the alignment compares and their per-group sums.
public enum StageGradients {
    /// g_old: the gradient of the earlier environments' prompt loss at `model`, our reading of
    /// the digest's phrase: the cross-entropy of every training image of the earlier
    /// environments against its own environment's class prompts, one term per environment
    /// weighted by its share of the images (so the mean over all of them), every tower included.
    public static func earlierPromptLoss(model: DualEncoder, earlier: [EnvironmentData]) -> DualEncoder {
        let total = earlier.reduce(0) { $0 + $1.trainImages.rows }
        var batches: [Matrix] = [], terms: [ClassificationTerm] = []
        for e in earlier where e.trainImages.rows > 0 {
            batches.append(e.trainImages)
            terms.append(ClassificationTerm(imageBatch: batches.count - 1, promptTokens: e.promptTokens,
                                            targets: oneHot(e.trainLabels, classes: e.classCount),
                                            weight: Float(e.trainImages.rows) / Float(max(total, 1))))
        }
        return classificationLoss(model: model, imageBatches: batches, terms: terms).gradients
    }

    /// Per parameter group: Σ a·b, Σ a², Σ b² over the group's tensors, in Double, tensors in
    /// `forEachTensor` order (deterministic).
    public static func groupSums(_ a: DualEncoder, _ b: DualEncoder) -> [ParameterGroup: (dot: Double, a: Double, b: Double)] {
        var out: [ParameterGroup: (dot: Double, a: Double, b: Double)] = [:]
        for g in ParameterGroup.allCases { out[g] = (0, 0, 0) }
        for (x, y) in zip(a.tensors, b.tensors) {
            precondition(x.group == y.group && x.value.count == y.value.count, "gradients of one model")
            var dot = 0.0, aa = 0.0, bb = 0.0
            for i in 0..<x.value.count {
                let p = Double(x.value.storage[i]), q = Double(y.value.storage[i])
                dot += p * q; aa += p * p; bb += q * q
            }
            let s = out[x.group]!
            out[x.group] = (s.dot + dot, s.a + aa, s.b + bb)
        }
        return out
    }
}
