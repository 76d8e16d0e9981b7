import Foundation
import Linalg
import Testing
@testable import Analysis

/// The paper's four scores, σ, and the distribution similarity against brute-force definitions.
struct PaperScoresTests {
    func cos(_ a: Matrix, _ i: Int, _ b: Matrix, _ j: Int) -> Double {
        var s = 0.0, na = 0.0, nb = 0.0
        for c in 0..<a.cols {
            s += Double(a[i, c]) * Double(b[j, c]); na += Double(a[i, c] * a[i, c]); nb += Double(b[j, c] * b[j, c])
        }
        return s / (na * nb).squareRoot()
    }

    func meanCos(_ a: Matrix, _ b: Matrix, excludeSelf: Bool = false) -> Double {
        var s = 0.0, n = 0
        for i in 0..<a.rows { for j in 0..<b.rows where !(excludeSelf && i == j) { s += cos(a, i, b, j); n += 1 } }
        return s / Double(n)
    }

    func environment(_ name: String, n: Int, shift: Float, spread: Float = 1) -> EnvironmentEmbeddings {
        var r = RandomStream(key: RandomKey("paper-scores", .string(name)))
        var v = r.normalMatrix(rows: n, cols: 5), u = r.normalMatrix(rows: n, cols: 5)
        for i in 0..<n {
            for c in 0..<5 { v[i, c] *= spread; u[i, c] *= spread }
            v[i, 0] += 1.5; v[i, 1] += shift; u[i, 0] += 1; u[i, 2] += shift
        }
        return EnvironmentEmbeddings(images: v, captions: u)
    }

    @Test func conScoresMatchPairsOfSamples() {
        let envs = [environment("a", n: 21, shift: 0), environment("b", n: 13, shift: 1), environment("c", n: 17, shift: -2)]
        let con = ConScores(environments: ["a", "b", "c"], summaries: envs.map(EmbeddingSummary.init))
        for a in 0..<3 {
            #expect(con.value(.imageToText, a, a).isNaN)
            for b in 0..<3 where b != a {
                #expect(abs(con.value(.imageToText, a, b) - meanCos(envs[a].images, envs[b].captions)) < 1e-5)
                #expect(abs(con.value(.textToImage, a, b) - meanCos(envs[a].captions, envs[b].images)) < 1e-5)
                #expect(abs(con.value(.imageToImage, a, b) - meanCos(envs[a].images, envs[b].images)) < 1e-5)
                #expect(abs(con.value(.textToText, a, b) - meanCos(envs[a].captions, envs[b].captions)) < 1e-5)
                #expect(con.value(.textToImage, a, b) == con.value(.imageToText, b, a))
            }
        }
        // σ: population standard deviation over the six ordered pairs.
        for score in ConScore.allCases {
            let x = con.offDiagonal(score)
            #expect(x.count == 6)
            let m = x.reduce(0, +) / 6
            let sd = (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 6).squareRoot()
            #expect(abs(con.spread(score) - sd) < 1e-15)
        }
        #expect(ConScore.allCases.map(\.paperName) == ["Con_I→T", "Con_T→I", "Con_I→I", "Con_T→T"])
    }

    @Test func conScoresHandCase() {
        // a: images at e1, captions at ±e2 (mean 0); b: images at ±e2 (mean 0), captions at e1.
        let a = EnvironmentEmbeddings(images: Matrix([[1, 0], [1, 0]]), captions: Matrix([[0, 1], [0, -1]]))
        let b = EnvironmentEmbeddings(images: Matrix([[0, 1], [0, -1]]), captions: Matrix([[1, 0], [1, 0]]))
        let con = ConScores(environments: ["a", "b"], summaries: [EmbeddingSummary(a), EmbeddingSummary(b)])
        #expect(con.offDiagonal(.imageToText) == [1, 0])  // (a,b), (b,a)
        #expect(con.offDiagonal(.textToImage) == [0, 1])
        #expect(con.offDiagonal(.imageToImage) == [0, 0])
        #expect(con.spread(.imageToText) == 0.5 && con.spread(.imageToImage) == 0)
        #expect(ConScores(environments: ["a"], summaries: [EmbeddingSummary(a)]).spread(.imageToText) == 0)
    }

    /// 1 − MMD²_u / E|x_a − x_b|² from every pair of samples.
    func bruteSimilarity(_ a: Matrix, _ b: Matrix) -> Double {
        let kaa = meanCos(a, a, excludeSelf: true), kbb = meanCos(b, b, excludeSelf: true)
        var kab = 0.0, dist = 0.0
        for i in 0..<a.rows {
            for j in 0..<b.rows {
                let c = cos(a, i, b, j)
                kab += c; dist += 2 - 2 * c  // |x - y|² of unit vectors
            }
        }
        kab /= Double(a.rows * b.rows); dist /= Double(a.rows * b.rows)
        return 1 - (kaa + kbb - 2 * kab) / dist
    }

    @Test func distributionSimilarityMatchesPairsOfSamples() {
        let a = environment("a", n: 23, shift: 0), b = environment("b", n: 19, shift: 0.8)
        let sa = EmbeddingSummary(a), sb = EmbeddingSummary(b)
        #expect(abs(DistributionSimilarity.similarity(sa, sb, side: .images) - bruteSimilarity(a.images, b.images)) < 1e-5)
        #expect(abs(DistributionSimilarity.similarity(sa, sb, side: .captions) - bruteSimilarity(a.captions, b.captions)) < 1e-5)
        #expect(DistributionSimilarity.similarity(sa, sb, side: .images) == DistributionSimilarity.similarity(sb, sa, side: .images))
    }

    @Test func distributionSimilarityEnds() {
        // Two environments each at one point: 0.
        let p = EnvironmentEmbeddings(images: Matrix([[1, 0], [1, 0], [1, 0]]), captions: Matrix([[1, 0], [1, 0], [1, 0]]))
        let q = EnvironmentEmbeddings(images: Matrix([[0, 1], [0, 1]]), captions: Matrix([[0.6, 0.8], [0.6, 0.8]]))
        #expect(abs(DistributionSimilarity.similarity(EmbeddingSummary(p), EmbeddingSummary(q), side: .images)) < 1e-12)
        #expect(abs(DistributionSimilarity.similarity(EmbeddingSummary(p), EmbeddingSummary(q), side: .captions)) < 1e-6)  // (0.6, 0.8) in Float
        // An environment against a copy of itself: the unbiased MMD² is -2(1 - |m|²)/(n - 1) <= 0, so just above 1.
        let a = environment("self", n: 30, shift: 0.3)
        let s = DistributionSimilarity.similarity(EmbeddingSummary(a), EmbeddingSummary(a), side: .images)
        #expect(s >= 1 && s < 1.1)
    }

    /// What issue 16 found wrong with the mean cosine: two environments drawn from one
    /// distribution look less alike by m_a·m_b as the distribution spreads; the distribution
    /// similarity stays near 1, and falls only when the environments move apart.
    @Test func distributionSimilarityFollowsTheGapNotTheSpread() {
        var meanCosines: [Double] = [], similarities: [Double] = []
        for spread in [0.3, 1, 3] as [Float] {
            let a = EmbeddingSummary(environment("x\(spread)", n: 400, shift: 0, spread: spread))
            let b = EmbeddingSummary(environment("y\(spread)", n: 400, shift: 0, spread: spread))
            meanCosines.append(pairScores(a, b).vision)
            similarities.append(DistributionSimilarity.similarity(a, b, side: .images))
        }
        #expect(meanCosines[0] > meanCosines[1] && meanCosines[1] > meanCosines[2])
        #expect(similarities.allSatisfy { abs($0 - 1) < 0.02 })
        var bySh: [Double] = []
        for shift in [0, 0.5, 1, 2] as [Float] {
            let a = EmbeddingSummary(environment("g0", n: 300, shift: 0)), b = EmbeddingSummary(environment("g\(shift)", n: 300, shift: shift))
            bySh.append(DistributionSimilarity.similarity(a, b, side: .images))
        }
        #expect(zip(bySh, bySh.dropFirst()).allSatisfy { $0 > $1 })
    }
}
