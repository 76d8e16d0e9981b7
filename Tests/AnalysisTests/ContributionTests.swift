import Foundation
import Linalg
import Testing
@testable import Analysis

/// Every contribution score against its O(n^2) definition over sample pairs.
struct ContributionTests {
    func embeddings(_ n: Int, _ d: Int, _ name: String, shift: Float = 0.5) -> EnvironmentEmbeddings {
        var r = RandomStream(key: RandomKey("contrib-test", .string(name)))
        var v = r.normalMatrix(rows: n, cols: d), u = r.normalMatrix(rows: n, cols: d)
        // A shared direction so the expectations are far from zero.
        for i in 0..<n { v[i, 0] += 2 + shift; u[i, 0] += 1.5; u[i, 1] += v[i, 1] }
        return EnvironmentEmbeddings(images: v, captions: u)
    }

    func cos(_ a: Matrix, _ i: Int, _ b: Matrix, _ j: Int) -> Double {
        var s = 0.0, na = 0.0, nb = 0.0
        for c in 0..<a.cols {
            s += Double(a[i, c]) * Double(b[j, c]); na += Double(a[i, c] * a[i, c]); nb += Double(b[j, c] * b[j, c])
        }
        return s / (na * nb).squareRoot()
    }

    /// Mean over all (i, j), or over i != j when `excludeSelf`.
    func bruteForce(_ a: Matrix, _ b: Matrix, excludeSelf: Bool) -> Double {
        var s = 0.0, count = 0
        for i in 0..<a.rows { for j in 0..<b.rows where !(excludeSelf && i == j) { s += cos(a, i, b, j); count += 1 } }
        return s / Double(count)
    }

    @Test func pairScoresMatchBruteForce() {
        let a = embeddings(37, 9, "a"), b = embeddings(23, 9, "b", shift: -1)
        let s = pairScores(EmbeddingSummary(a), EmbeddingSummary(b))
        #expect(abs(s.vision - bruteForce(a.images, b.images, excludeSelf: false)) < 1e-5)
        #expect(abs(s.language - bruteForce(a.captions, b.captions, excludeSelf: false)) < 1e-5)
        #expect(abs(s.crossAB - bruteForce(a.images, b.captions, excludeSelf: false)) < 1e-5)
        #expect(abs(s.crossBA - bruteForce(b.images, a.captions, excludeSelf: false)) < 1e-5)
    }

    @Test func selfPairsExcludeEachSampleWithItself() {
        let a = embeddings(31, 6, "self")
        let sum = EmbeddingSummary(a)
        let s = pairScores(sum, sum, samePopulation: true)
        #expect(abs(s.vision - bruteForce(a.images, a.images, excludeSelf: true)) < 1e-5)
        #expect(abs(s.language - bruteForce(a.captions, a.captions, excludeSelf: true)) < 1e-5)
        #expect(abs(s.crossAB - bruteForce(a.images, a.captions, excludeSelf: true)) < 1e-5)
        // And it differs from the naive mean-of-means, which counts the n self-pairs.
        #expect(abs(s.vision - pairScores(sum, sum).vision) > 1e-3)
    }

    @Test func alignmentGapAndDrift() {
        let a = embeddings(40, 5, "align")
        let s = EmbeddingSummary(a)
        var align = 0.0
        for k in 0..<40 { align += cos(a.images, k, a.captions, k) }
        #expect(abs(s.matchedAlignment - align / 40) < 1e-5)
        let mv = a.images.columnMeans(), ml = a.captions.columnMeans()
        let gap = zip(mv, ml).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +).squareRoot()
        #expect(abs(s.modalityGap - gap) < 1e-5)
        let b = embeddings(40, 5, "align-later")
        var d = 0.0
        for k in 0..<40 { d += cos(b.images, k, a.images, k) }
        #expect(abs(drift(b.images, a.images) - d / 40) < 1e-5)
        #expect(abs(drift(a.images, a.images) - 1) < 1e-5)
    }

    @Test func iimmMatchesItsDefinition() throws {
        var r = RandomStream(key: RandomKey("iimm"))
        let n = 30, d = 8, classes = 4
        var img = r.normalMatrix(rows: n, cols: d)
        let texts = r.normalMatrix(rows: classes, cols: d)
        let labels = (0..<n).map { $0 % classes }
        for i in 0..<n { for c in 0..<d { img[i, c] += texts[labels[i], c] } }
        let e = EnvironmentEmbeddings(images: img, captions: r.normalMatrix(rows: n, cols: d), labels: labels, classTexts: texts)
        let got = try #require(iimm(e))
        var inter = 0.0, interCount = 0
        for i in 0..<n { for c in 0..<classes where c != labels[i] { inter += cos(img, i, texts, c); interCount += 1 } }
        var intra = 0.0, intraCount = 0
        for i in 0..<n { for j in (i + 1)..<n { intra += cos(img, i, img, j); intraCount += 1 } }
        inter /= Double(interCount); intra /= Double(intraCount)
        #expect(abs(got.inter - inter) < 1e-5)
        #expect(abs(got.intra - intra) < 1e-5)
        #expect(abs(got.iimm - (inter + intra) / 2) < 1e-5)
        #expect(iimm(EnvironmentEmbeddings(images: img, captions: img)) == nil)
    }
}

struct ShapleyTests {
    /// The permutation definition: average marginal contribution over all player orders.
    func byPermutations(_ n: Int, _ v: (Int) -> Double) -> [Double] {
        var perms: [[Int]] = [[]]
        for p in 0..<n { perms = perms.flatMap { q in (0...q.count).map { var r = q; r.insert(p, at: $0); return r } } }
        var phi = [Double](repeating: 0, count: n)
        for order in perms {
            var mask = 0
            for p in order { phi[p] += v(mask | 1 << p) - v(mask); mask |= 1 << p }
        }
        return phi.map { $0 / Double(perms.count) }
    }

    @Test func matchesPermutationDefinitionAndIsEfficient() {
        let worth: [Double] = [0.2, 0.5, 0.1, 0.3, 0.9, 0.6, 0.45, 0.75]
        let phi = shapleyValues(players: 3) { worth[$0] }
        let ref = byPermutations(3) { worth[$0] }
        for g in 0..<3 { #expect(abs(phi[g] - ref[g]) < 1e-12) }
        #expect(abs(phi.reduce(0, +) - (worth[7] - worth[0])) < 1e-12)
        let two = shapleyValues(players: 2) { [0.0, 1.0, 3.0, 5.0][$0] }
        #expect(abs(two[0] - 1.5) < 1e-12 && abs(two[1] - 3.5) < 1e-12)
    }

    @Test func symmetryAndNullPlayer() {
        // Players 0 and 1 are interchangeable; player 2 never changes the worth.
        func v(_ s: Int) -> Double {
            let core = s & 0b011
            return [0, 0.4, 0.4, 1.0][core]
        }
        let phi = shapleyValues(players: 3, value: v)
        #expect(abs(phi[0] - phi[1]) < 1e-12)
        #expect(abs(phi[2]) < 1e-12)
        #expect(abs(phi[0] - 0.5) < 1e-12)
    }
}
