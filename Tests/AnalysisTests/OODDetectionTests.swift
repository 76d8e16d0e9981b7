import Foundation
import Linalg
import Testing
@testable import Analysis

/// AUROC (Mann-Whitney, ties half) and the MCM score against hand-computed cases and the
/// definitions evaluated naively.
struct OODDetectionTests {
    /// P(in > out) + P(in = out) / 2 by visiting every pair.
    func pairCount(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for x in a { for y in b { s += x > y ? 1 : (x == y ? 0.5 : 0) } }
        return s / Double(a.count * b.count)
    }

    @Test func aurocHandCases() {
        #expect(AUROC.mannWhitney(inDistribution: [0.9, 0.8, 0.95], outOfDistribution: [0.1, 0.2]) == 1)
        #expect(AUROC.mannWhitney(inDistribution: [0.1, 0.2], outOfDistribution: [0.9, 0.8, 0.95]) == 0)
        #expect(AUROC.mannWhitney(inDistribution: [0.3, 0.5, 0.7], outOfDistribution: [0.3, 0.5, 0.7]) == 0.5)
        #expect(AUROC.mannWhitney(inDistribution: [2, 2, 2], outOfDistribution: [2]) == 0.5)
        // 1 beats 0; each 2 ties two 2s and beats 0; 3 beats all: (1 + 2 + 2 + 3) / 12.
        #expect(AUROC.mannWhitney(inDistribution: [1, 2, 2, 3], outOfDistribution: [2, 2, 0]) == 8.0 / 12)
    }

    @Test func aurocEqualsThePairCountWithManyTies() {
        var r = RandomStream(key: RandomKey("auroc-ties"))
        for trial in 0..<20 {
            let n = 5 + trial * 3, m = 3 + trial * 2
            // Scores on a coarse grid so ties are frequent.
            let a = (0..<n).map { _ in (Double(r.normal()) * 2 + 0.7).rounded() / 2 }
            let b = (0..<m).map { _ in (Double(r.normal()) * 2).rounded() / 2 }
            let u = AUROC.mannWhitney(inDistribution: a, outOfDistribution: b)
            #expect(u == pairCount(a, b))
            // And agrees with the rank-sum form used for the probability of improvement.
            #expect(abs(u - Comparison.probabilityOfImprovement(a, over: b)) < 1e-12)
            // Swapping the sides gives the complement.
            #expect(abs(AUROC.mannWhitney(inDistribution: b, outOfDistribution: a) - (1 - u)) < 1e-15)
        }
    }

    @Test func maxSoftmaxHandCases() {
        #expect(abs(MCMScore.maxSoftmax([0, log(3)]) - 0.75) < 1e-15)
        #expect(abs(MCMScore.maxSoftmax([5, 5, 5, 5]) - 0.25) < 1e-15)
        // Large logits do not overflow.
        #expect(abs(MCMScore.maxSoftmax([1000, 1000 - log(3)]) - 0.75) < 1e-12)
    }

    @Test func mcmOfAnImageOnAPromptAmongOrthogonalOnes() {
        let prompts = Matrix([[2, 0, 0], [0, 3, 0], [0, 0, 1]])  // not unit: cosines are taken
        let images = Matrix([[5, 0, 0], [1, 1, 1]])
        let s = MCMScore.scores(images: images, prompts: prompts, temperature: 1)
        #expect(abs(s[0] - exp(1) / (exp(1) + 2)) < 1e-12)
        #expect(abs(s[1] - 1.0 / 3) < 1e-12)  // equidistant from every prompt
        // A lower temperature sharpens the softmax: cos 1 against 0 at τ = 0.1.
        let sharp = MCMScore.scores(images: images, prompts: prompts, temperature: 0.1)
        #expect(abs(sharp[0] - exp(10) / (exp(10) + 2)) < 1e-12)
    }

    @Test func mcmMatchesTheNaiveDefinition() {
        var r = RandomStream(key: RandomKey("mcm"))
        let images = r.normalMatrix(rows: 17, cols: 6), prompts = r.normalMatrix(rows: 4, cols: 6)
        for tau in [0.05, 0.5, 1, 2] {
            let s = MCMScore.scores(images: images, prompts: prompts, temperature: tau)
            for i in 0..<images.rows {
                var cosines: [Double] = []
                for k in 0..<prompts.rows {
                    var d = 0.0, na = 0.0, nb = 0.0
                    for c in 0..<6 {
                        d += Double(images[i, c]) * Double(prompts[k, c])
                        na += Double(images[i, c]) * Double(images[i, c]); nb += Double(prompts[k, c]) * Double(prompts[k, c])
                    }
                    cosines.append(d / (na * nb).squareRoot())
                }
                let e = cosines.map { exp($0 / tau) }
                #expect(abs(s[i] - e.max()! / e.reduce(0, +)) < 1e-12)
            }
        }
    }
}
