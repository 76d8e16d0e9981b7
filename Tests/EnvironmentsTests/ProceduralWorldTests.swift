import Foundation
import Linalg
import Testing
@testable import Environments

struct ProceduralWorldTests {
    func world(sv: Double = 0.5, sl: Double = 0.5, seed: Int = 0, overlap: Double = 0) throws -> ProceduralWorld {
        var c = ProceduralWorldConfig()
        c.seed = seed
        c.classOverlap = overlap
        return try ProceduralWorld(config: c, similarity: SimilaritySetting(sv: sv, sl: sl))
    }

    @Test func samplesArePureFunctionsOfTheirIndex() throws {
        let a = try world(), b = try world()
        let direct = a.sample(environment: 2, split: .train, index: 10_000)
        for i in 0..<5 { _ = b.sample(environment: 1, split: .evaluation, index: i) }
        #expect(b.sample(environment: 2, split: .train, index: 10_000) == direct)
        #expect(a.sample(environment: 2, split: .train, index: 10_001) != direct)
        #expect(a.sample(environment: 2, split: .evaluation, index: 10_000) != direct)
        #expect(direct.image.count == 24 * 24 * 3)
        #expect(direct.image.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(try world(seed: 1).sample(environment: 2, split: .train, index: 10_000) != direct)
    }

    /// Mean, spread and edge energy per channel over many images: what a vision domain changes.
    func pixelStatistics(_ w: ProceduralWorld, _ e: Int) -> [Double] {
        var f = [Double](repeating: 0, count: 9)
        let n = 300, size = w.imageSize
        for i in 0..<n {
            let img = w.sample(environment: e, split: .evaluation, index: i).image
            for c in 0..<3 {
                var s = 0.0, s2 = 0.0, g = 0.0
                for y in 0..<size {
                    for x in 0..<size {
                        let v = Double(img[(y * size + x) * 3 + c])
                        s += v; s2 += v * v
                        if x > 0 { g += abs(v - Double(img[(y * size + x - 1) * 3 + c])) }
                    }
                }
                let m = s / Double(size * size)
                f[c] += m / Double(n)
                f[3 + c] += (s2 / Double(size * size) - m * m).squareRoot() / Double(n)
                f[6 + c] += g / Double(size * size) / Double(n)
            }
        }
        return f
    }

    func distance(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() }

    @Test func visionDialMovesPixelStatistics() throws {
        for pair in [(0, 1), (1, 3), (0, 4)] {
            let d = try [0.0, 0.5, 1.0].map { sv -> Double in
                let w = try world(sv: sv)
                return distance(pixelStatistics(w, pair.0), pixelStatistics(w, pair.1))
            }
            #expect(d[0] > d[1] && d[1] > d[2], "environments \(pair): distances \(d)")
        }
    }

    func vocabulary(_ w: ProceduralWorld, _ e: Int) -> Set<String> {
        var words = Set<String>()
        for i in 0..<300 { words.formUnion(Tokenizer.split(w.sample(environment: e, split: .train, index: i).caption)) }
        return words
    }

    func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double { Double(a.intersection(b).count) / Double(a.union(b).count) }

    @Test func languageDialMovesVocabularyOverlap() throws {
        for pair in [(0, 1), (1, 3), (0, 4)] {
            let j = try [0.0, 0.5, 1.0].map { sl -> Double in
                let w = try world(sl: sl, overlap: 1)
                return jaccard(vocabulary(w, pair.0), vocabulary(w, pair.1))
            }
            #expect(j[0] < j[1] && j[1] < j[2], "environments \(pair): Jaccard \(j)")
            #expect(abs(j[2] - 1) < 1e-12)  // same classes, same language
        }
    }

    @Test func eachDialLeavesTheOtherModalityAlone() throws {
        let base = try world(sv: 0.2, sl: 0.7)
        let moreVision = try world(sv: 0.9, sl: 0.7)
        let moreLanguage = try world(sv: 0.2, sl: 0.1)
        var imagesDiffer = false, captionsDiffer = false
        for e in 0..<5 {
            for i in 0..<40 {
                let s = base.sample(environment: e, split: .train, index: i)
                let v = moreVision.sample(environment: e, split: .train, index: i)
                let l = moreLanguage.sample(environment: e, split: .train, index: i)
                #expect(s.caption == v.caption && s.label == v.label)
                #expect(s.image == l.image && s.label == l.label)
                imagesDiffer = imagesDiffer || s.image != v.image
                captionsDiffer = captionsDiffer || s.caption != l.caption
            }
            #expect(base.environments[e].classNames == moreVision.environments[e].classNames)
        }
        #expect(imagesDiffer && captionsDiffer)
    }

    @Test func classOverlapAndHeldOut() throws {
        let disjoint = try world(overlap: 0), shared = try world(overlap: 0.5)
        let d = disjoint.concepts, s = shared.concepts
        #expect(Set(d[0]).isDisjoint(with: Set(d[1])))
        #expect(Set(s[0]).intersection(Set(s[1])).count == 2)
        #expect(Set(s[0]).intersection(Set(s[4])).count == 2)
        #expect(disjoint.environments.map(\.heldOut) == [false, false, false, false, true])
        #expect(disjoint.trainedEnvironments == [0, 1, 2, 3] && disjoint.heldOutEnvironments == [4])
        var bad = ProceduralWorldConfig()
        bad.trainedEnvironments = 20
        bad.classesPerEnvironment = 8
        #expect(throws: WorldConfigurationError.self) {
            try ProceduralWorld(config: bad, similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        }
    }

    @Test func labelsMatchTheDrawnClassAndCaptionsNameIt() throws {
        let w = try world(sl: 1)
        for e in 0..<5 {
            for i in 0..<50 {
                let s = w.sample(environment: e, split: .evaluation, index: i)
                let name = w.environments[e].classNames[s.label].split(separator: " ")
                // With sl = 1 captions speak the base language: colour and shape words appear.
                #expect(s.caption.contains(String(name[0])) && s.caption.contains(String(name[1])), "\(s.caption) vs \(name)")
            }
            #expect(w.environments[e].classPrompts.allSatisfy { $0.hasPrefix("a photo of a ") })
        }
    }

    @Test func tokenizerCoversEveryCaptionAndPrompt() throws {
        let w = try world(sl: 0)
        let tok = Tokenizer(words: w.vocabularyWords)
        #expect(tok.words[0] == "<pad>" && tok.words[1] == "<unk>")
        #expect(tok == Tokenizer(words: w.vocabularyWords.reversed()))
        for e in 0..<5 {
            for i in 0..<100 {
                let c = w.sample(environment: e, split: .train, index: i).caption
                #expect(!tok.encode(c).contains(Tokenizer.unknown), "\(c)")
            }
            for p in w.environments[e].classPrompts { #expect(!tok.encode(p).contains(Tokenizer.unknown)) }
        }
        for i in 0..<300 { #expect(!tok.encode(w.pretrainingSample(index: i).caption).contains(Tokenizer.unknown)) }
        let ids = tok.encode("A red, zebra")
        #expect(ids.count == 16 && ids[3] == Tokenizer.unknown && ids[4] == Tokenizer.padding)
        #expect(tok.decode(ids) == "a red , <unk>")
    }

    @Test func pretrainingCoversTheWholeWorld() throws {
        let w = try world()
        var concepts = Set<Int>()
        for i in 0..<2000 { concepts.insert(w.pretrainingSample(index: i).label) }
        #expect(concepts.count == ProceduralWorldConfig.conceptCount)
    }
}

struct ShapeTests {
    @Test func signedDistancesHaveTheRightSign() {
        for kind in ShapeKind.allCases {
            let sdf = ShapeSDF(kind)
            // The ring has a hole: its centre is outside, its band (radius 0.72) inside.
            if kind == .ring {
                #expect(abs(sdf.distance(0, 0) - 0.42) < 1e-12 && sdf.distance(0.72, 0) < 0)
            } else {
                #expect(sdf.distance(0, 0) < 0, "\(kind) centre")
            }
            #expect(sdf.distance(3, 0) > 1.5, "\(kind) far")
            #expect(sdf.distance(0, -3) > 1.5, "\(kind) far")
        }
        let c = ShapeSDF(.circle)
        #expect(abs(c.distance(2, 0) - 1) < 1e-12 && abs(c.distance(0, 0) + 1) < 1e-12)
        // The square's vertices sit at radius 1.1 on the diagonals: its half-side is 1.1 / sqrt 2.
        let sq = ShapeSDF(.square)
        #expect(abs(sq.distance(0, 0) + 1.1 / 2.0.squareRoot()) < 1e-9)
        #expect(abs(sq.distance(2, 0) - (2 - 1.1 / 2.0.squareRoot())) < 1e-9)
        // A star's notch: a point between two arms, beyond the inner radius, is outside.
        let star = ShapeSDF(.star)
        let a = -Double.pi / 2 + Double.pi / 5
        #expect(star.distance(0.7 * cos(a), 0.7 * sin(a)) > 0)
    }
}
