import Foundation
import Linalg
import Testing
@testable import Model

/// End-to-end gradients of the dual encoder through both losses, for every parameter tensor.
struct ModelGradientTests {
    static func tiny() -> (DualEncoder, Matrix, [Int32]) {
        let d = ModelDescription(vision: .mlp(MLPVisionDescription(hidden: [7])),
                                 text: .bag(BagTextDescription(width: 5, hidden: [6], maxTokens: 4)), embedding: 4)
        var model = DualEncoder(description: d, imageSize: 2, vocabularySize: 9, key: RandomKey("tiny-model"))  // 12 inputs
        var rng = RandomStream(key: RandomKey("tiny-data"))
        let images = rng.normalMatrix(rows: 5, cols: 12)
        let tokens: [Int32] = [2, 3, 0, 0, 4, 5, 6, 0, 7, 8, 2, 1, 3, 0, 0, 0, 5, 5, 6, 2]
        // Keep every hidden pre-activation at least 0.02 from the ReLU kink, so a finite
        // difference step never crosses it (see GradientCheck).
        guard case .mlp(var v) = model.vision, case .bag(var t) = model.text else { preconditionFailure() }
        let pooled = TokenPooling.forward(tokens: tokens, length: 4, tokenEmbedding: t.tokenEmbedding,
                                          positionEmbedding: t.positionEmbedding)
        v.layers[0] = awayFromKink(v.layers[0], input: images)
        t.layers[0] = awayFromKink(t.layers[0], input: pooled)
        model.vision = .mlp(v)
        model.text = .bag(t)
        return (model, images, tokens)
    }

    /// Shifts each unit's bias by the smallest of a few offsets that keeps |z| >= 0.02 for every sample.
    static func awayFromKink(_ layer: Linear, input: Matrix) -> Linear {
        var l = layer
        let z = layer.forward(input)
        for j in 0..<z.cols {
            for shift: Float in [0, 0.03, -0.03, 0.06, -0.06, 0.1, -0.1, 0.2, -0.2] {
                if (0..<z.rows).allSatisfy({ abs(z[$0, j] + shift) >= 0.02 }) {
                    l.bias.storage[j] += shift
                    break
                }
            }
        }
        return l
    }

    /// Checks every tensor's probed entries against finite differences of `loss`.
    func checkAll(_ model: DualEncoder, analytic: DualEncoder, step: Float = GradientCheck.h, loss: (DualEncoder) -> Double) {
        let grads = analytic.tensors
        var m = model
        m.forEachTensor { k, group, tensor in
            let idx = GradientCheck.probes(tensor.count, limit: 8)
            let numeric = GradientCheck.numeric(tensor, indices: idx, step: step) { perturbed in
                var copy = model
                copy.forEachTensor { k2, _, t in if k2 == k { t = perturbed } }
                return loss(copy)
            }
            for (i, n) in zip(idx, numeric) {
                #expect(GradientCheck.agrees(n, Double(grads[k].value.storage[i])),
                        "tensor \(k) (\(group.name)) entry \(i): numeric \(n), analytic \(grads[k].value.storage[i])")
            }
        }
    }

    @Test func contrastiveStepGradients() {
        let (model, images, tokens) = Self.tiny()
        let (_, g) = contrastiveStep(model: model, images: images, captionTokens: tokens)
        checkAll(model, analytic: g) { contrastiveStep(model: $0, images: images, captionTokens: tokens).loss }
    }

    @Test func classificationStepGradientsWithDistillation() {
        let (model, images, tokens) = Self.tiny()
        let prompts = Array(tokens[0..<12])  // three class prompts
        let labels = oneHot([0, 2, 1, 1, 0], classes: 3)
        var soft = Matrix(rows: 5, cols: 2, repeating: 0.5)
        soft[0, 0] = 0.9; soft[0, 1] = 0.1
        let terms = [
            ClassificationTerm(imageBatch: 0, promptTokens: prompts, targets: labels),
            ClassificationTerm(imageBatch: 0, promptTokens: Array(tokens[12..<20]), targets: soft, temperature: 2, weight: 0.7),
            ClassificationTerm(imageBatch: 1, promptTokens: prompts, targets: oneHot([2, 2], classes: 3), weight: 0.5),
        ]
        let batches = [images, images.gatherRows([4, 1])]
        let (_, g) = classificationLoss(model: model, imageBatches: batches, terms: terms)
        checkAll(model, analytic: g) { classificationLoss(model: $0, imageBatches: batches, terms: terms).loss }
    }

    @Test func tensorsAreGroupedAndCounted() {
        let (model, _, _) = Self.tiny()
        let groups = model.tensors.map(\.group)
        #expect(groups.filter { $0 == .vision }.count == 4)
        #expect(groups.filter { $0 == .language }.count == 6)
        #expect(groups.last == .shared && groups.filter { $0 == .shared }.count == 1)
        #expect(model.parameterCount == (12 * 7 + 7 + 7 * 4 + 4) + (9 * 5 + 4 * 5 + 5 * 6 + 6 + 6 * 4 + 4) + 1)
    }
}
