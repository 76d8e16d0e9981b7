import Analysis
import Continual
import Environments
import Foundation
import Linalg
import Model
import ResultStore
import Testing
@testable import Harness

/// The four contribution scores stored at every checkpoint (#16 item 3) against independent
/// references: the pretrained pass's ConScores, and the definitions of DESIGN.md section 10
/// redone by a naive loop over every pair of samples of embeddings computed afresh.
struct CheckpointConTests {
    static var trained: [Int] { CheckpointOODTests.trained }

    /// E cos(x_i, y_j) over every (i, j): the expectation over independent draws, by brute force
    /// (the stored figure takes it through the means mV·mL).
    static func meanCosine(_ x: Matrix, _ y: Matrix) -> Double {
        func unit(_ m: Matrix, _ r: Int) -> [Double] {
            let v = (0..<m.cols).map { Double(m[r, $0]) }
            let n = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            return v.map { $0 / n }
        }
        let xs = (0..<x.rows).map { unit(x, $0) }, ys = (0..<y.rows).map { unit(y, $0) }
        var s = 0.0
        for a in xs { for b in ys { s += zip(a, b).map { $0 * $1 }.reduce(0, +) } }
        return s / Double(xs.count * ys.count)
    }

    /// The four scores of (a, b) from fresh embeddings under `model`, in ConScore.allCases order.
    static func brute(_ model: DualEncoder, _ a: Int, _ b: Int) -> [Double] {
        let d = TinySettings.prepared.data
        let ea = FrozenProtocolTests.embed(model, d, a), eb = FrozenProtocolTests.embed(model, d, b)
        return [meanCosine(ea.images, eb.captions), meanCosine(ea.captions, eb.images),
                meanCosine(ea.images, eb.images), meanCosine(ea.captions, eb.captions)]
    }

    static func values(_ r: RunRecord.ConPairRow) -> [Double] { [r.conImageToText, r.conTextToImage, r.conImageToImage, r.conTextToText] }

    @Test func pretrainedRowsAreThePretrainedPassScoresAndTheBruteForceDefinition() throws {
        let p = TinySettings.prepared, s = TinySettings.make()
        let r = CellRunner(data: p.data, budget: s.budget, shapley: false)
        let st = r.initial(method: try MethodCatalog.make(name: "finetune", parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
        let checks = PretrainedChecks(world: p, similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        let t = Self.trained
        #expect(st.conPairs.count == t.count * (t.count - 1) && st.conPairs.allSatisfy { $0.stage == 0 })
        for (ia, a) in t.enumerated() {
            for (ib, b) in t.enumerated() where b != a {
                let row = try #require(st.conPairs.first { $0.environmentA == p.data.names[a] && $0.environmentB == p.data.names[b] })
                // analyze's pretrained pass gives the same numbers exactly.
                #expect(Self.values(row) == ConScore.allCases.map { checks.con.value($0, ia, ib) }, "\(a)->\(b)")
                for (stored, ref) in zip(Self.values(row), Self.brute(p.pretrained, a, b)) {
                    #expect(abs(stored - ref) < 1e-6, "\(a)->\(b): stored \(stored), brute force \(ref)")
                }
            }
        }
        // Con_T→I(a, b) = Con_I→T(b, a), the identity the paper's definitions imply.
        for row in st.conPairs {
            let back = try #require(st.conPairs.first { $0.environmentA == row.environmentB && $0.environmentB == row.environmentA })
            #expect(row.conTextToImage == back.conImageToText)
        }
    }

    @Test func laterCheckpointsAreTheBruteForceDefinitionOfThatCheckpointsEmbeddings() throws {
        let p = TinySettings.prepared, s = TinySettings.make()
        let r = CellRunner(data: p.data, budget: s.budget, shapley: false)
        var st = r.initial(method: try MethodCatalog.make(name: "finetune", parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
        var previous = st.conPairs
        for e in [Self.trained[2], Self.trained[0], Self.trained[1]] {
            st = try r.advance(st, environment: e, suiteSeed: 0, seed: 0, methodIdentity: "finetune")
            let k = st.prefix.count, model = st.model!
            let rows = st.conPairs.filter { $0.stage == k }
            #expect(rows.count == 6)
            for row in rows {
                let a = p.data.names.firstIndex(of: row.environmentA)!, b = p.data.names.firstIndex(of: row.environmentB)!
                for (stored, ref) in zip(Self.values(row), Self.brute(model, a, b)) {
                    #expect(abs(stored - ref) < 1e-6, "stage \(k) \(a)->\(b): stored \(stored), brute force \(ref)")
                }
            }
            // Training moves the encoders, so the scores move with them.
            #expect(rows.map(Self.values) != previous.map(Self.values), "stage \(k)")
            previous = rows
        }
        #expect(st.conPairs.count == 4 * 6)
        // The finished cell carries them to the stored record.
        #expect(try r.finish(st).conPairs == st.conPairs)
    }

    /// Frozen encoders: every checkpoint reads the pretrained embeddings, so every stage's rows
    /// are bit-identical to stage 0's (and to the adaptive run's stage 0).
    @Test func frozenRowsAreTheSameAtEveryStage() throws {
        let p = TinySettings.prepared, s = TinySettings.make()
        let frozen = FrozenProtocolTests.runner(p, s)
        var st = frozen.initial(method: try MethodCatalog.make(name: "finetune", parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
        for e in Self.trained { st = try frozen.advance(st, environment: e, suiteSeed: 0, seed: 0, methodIdentity: "finetune") }
        let strip = { (k: Int) in st.conPairs.filter { $0.stage == k }.map { [$0.environmentA, $0.environmentB] + Self.values($0).map { "\($0)" } } }
        #expect(strip(0).count == 6)
        for k in 1...Self.trained.count { #expect(strip(k) == strip(0), "frozen stage \(k)") }
        let adaptive = CellRunner(data: p.data, budget: s.budget, shapley: false)
            .initial(method: try MethodCatalog.make(name: "finetune", parameters: [:]), pretrained: p.pretrained, baseline: p.baseline)
        #expect(adaptive.conPairs.map(Self.values) == st.conPairs.filter { $0.stage == 0 }.map(Self.values))
    }
}
