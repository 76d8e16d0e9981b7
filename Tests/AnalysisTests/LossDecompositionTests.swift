import Foundation
import Linalg
import Testing
@testable import Analysis

/// T1's fits and the T2 rank correlation against least squares refitted on each resample.
struct LossDecompositionTests {
    func transitions(cells: Int, noise: Double, clipWeight: Double = 1, frozen: Bool = false) -> [LossTransition] {
        var r = RandomStream(key: RandomKey("t1", .int(cells)))
        var t: [LossTransition] = []
        for c in 0..<cells {
            for _ in 0..<3 {
                let x1 = Double(r.normal()) * 0.2 + 0.3, x2 = Double(r.normal()) * 0.2 + 0.1
                let ce = 2 * x1 - 3 * x2 + 0.5 + noise * Double(r.normal())
                let clip = frozen ? 0 : -x1 + x2 + noise * Double(r.normal())
                t.append(LossTransition(cell: c, stratum: c % 2, deltaCE: ce, deltaCLIP: clip, clipWeight: clipWeight,
                                        conImageToText: x1, conTextToImage: x2))
            }
        }
        return t
    }

    @Test func exactLinearDriftIsRecovered() {
        let d = LossDecomposition.analyse(transitions(cells: 8, noise: 0), bootstrap: Bootstrap(resamples: 200))
        let ce = d.fits[.ce]!
        #expect(abs(ce.beta1.estimate - 2) < 1e-9 && abs(ce.beta2.estimate + 3) < 1e-9 && abs(ce.alpha.estimate - 0.5) < 1e-9)
        #expect(abs(ce.rSquared.estimate - 1) < 1e-9 && abs(ce.rSquared.low - 1) < 1e-9)
        #expect(abs(ce.beta1.low - 2) < 1e-7 && abs(ce.beta1.high - 2) < 1e-7)
        // ΔLOSS = ΔCE + λ ΔCLIP = x1 - 2 x2 + 0.5 at λ = 1.
        let loss = d.fits[.loss]!
        #expect(abs(loss.beta1.estimate - 1) < 1e-9 && abs(loss.beta2.estimate + 2) < 1e-9)
        #expect(d.n == 24 && d.cells == 8)
    }

    @Test func bootstrapRefitsWholeCells() {
        let t = transitions(cells: 10, noise: 0.3)
        let boot = Bootstrap(resamples: 300, key: RandomKey("t1-boot"))
        let d = LossDecomposition.analyse(t, bootstrap: boot)
        let x = t.map { [$0.conImageToText, $0.conTextToImage] }
        let groups = ClusterResampling(clusters: t.map(\.cell), strata: t.map(\.stratum))
        #expect(groups.members.count == 10 && groups.members.allSatisfy { $0.count == 3 })
        for c in LossComponent.allCases {
            let y = t.map { $0.delta(c) }
            let full = LeastSquares.fit(x: x, y: y)
            let f = d.fits[c]!
            #expect(f.beta1.estimate == full.coefficients[1] && f.rSquared.estimate == full.rSquared)
            // Reference: refit each replicate's transitions with the direct least squares.
            var b1: [Double] = [], r2: [Double] = []
            for drawn in groups.resamples(boot) {
                let fit = LeastSquares.fit(x: x, y: y, rows: groups.observations(of: drawn))
                b1.append(fit.coefficients[1]); r2.append(fit.rSquared)
            }
            #expect(abs(f.beta1.low - Descriptive.quantile(b1, 0.025)) < 1e-9)
            #expect(abs(f.beta1.high - Descriptive.quantile(b1, 0.975)) < 1e-9)
            #expect(abs(f.rSquared.low - Descriptive.quantile(r2, 0.025)) < 1e-9)
            #expect(abs(f.rSquared.high - Descriptive.quantile(r2, 0.975)) < 1e-9)
            #expect(f.beta1.low < f.beta1.estimate && f.beta1.estimate < f.beta1.high)
        }
    }

    @Test func aFrozenClipTermHasNothingToExplain() {
        let d = LossDecomposition.analyse(transitions(cells: 6, noise: 0.1, clipWeight: 5, frozen: true),
                                          bootstrap: Bootstrap(resamples: 100))
        let clip = d.fits[.clip]!
        #expect(clip.constantResponse && clip.rSquared.estimate == 0 && clip.rSquared.high == 0)
        #expect(clip.beta1.estimate == 0 && clip.beta2.estimate == 0)
        #expect(!d.fits[.ce]!.constantResponse && d.signFlips == 0)
        // ΔLOSS is then ΔCE exactly, whatever λ.
        #expect(d.fits[.loss]! == d.fits[.ce]!)
    }

    @Test func signFlipsCounted() {
        func tr(_ ce: Double, _ clip: Double, _ lambda: Double) -> LossTransition {
            LossTransition(cell: 0, deltaCE: ce, deltaCLIP: clip, clipWeight: lambda, conImageToText: 0, conTextToImage: 0)
        }
        let t = [tr(0.2, -0.1, 5), tr(0.2, -0.1, 1), tr(-0.1, 0.05, 5), tr(0.3, 0, 5), tr(0, 1, 5), tr(0.2, -0.04, 5)]
        #expect(t.map(\.deltaLoss) == [0.2 - 0.5, 0.2 - 0.1, -0.1 + 0.25, 0.3, 5, 0.2 - 0.2])
        #expect(t.map(\.clipFlipsSign) == [true, false, true, false, false, false])
        #expect(LossDecomposition.analyse(t, bootstrap: Bootstrap(resamples: 10)).signFlips == 2)
    }

    @Test func spearmanIntervalResamplesCellsWithinLevels() {
        // Three λ levels, CLV rising with λ plus noise; each cell contributes two stages.
        var r = RandomStream(key: RandomKey("t2"))
        var lambda: [Double] = [], clv: [Double] = [], cell: [Int?] = [], strata: [Int] = []
        for c in 0..<12 {
            let l = [0.0, 1, 5][c % 3]
            for _ in 0..<2 {
                lambda.append(l); clv.append(0.05 * l + 0.1 * Double(r.normal())); cell.append(c); strata.append(c % 3)
            }
        }
        let boot = Bootstrap(resamples: 400, key: RandomKey("t2-boot"))
        let s = RankCorrelationInterval.spearman(lambda, clv, clusters: cell, strata: strata, bootstrap: boot)
        #expect(s.rho.estimate == Descriptive.spearman(lambda, clv))
        let groups = ClusterResampling(clusters: cell, strata: strata)
        let reps = groups.resamples(boot).map { d -> Double in
            let rows = groups.observations(of: d)
            return Descriptive.spearman(rows.map { lambda[$0] }, rows.map { clv[$0] })
        }
        #expect(s.defined == 400 && reps.allSatisfy { !$0.isNaN })  // stratified: every replicate keeps every λ
        let alpha = (1 - 0.95) / 2  // as the bootstrap computes it (not the literal 0.025)
        #expect(s.rho.low == Descriptive.quantile(reps, alpha) && s.rho.high == Descriptive.quantile(reps, 1 - alpha))
        #expect(s.rho.estimate > 0.5 && s.rho.low > 0)
        // CLV the same for every λ (the frozen invariant): undefined, never a made-up number.
        let flat = RankCorrelationInterval.spearman(lambda, [Double](repeating: 0.3, count: lambda.count), clusters: cell,
                                                    strata: strata, bootstrap: Bootstrap(resamples: 50))
        #expect(flat.rho.estimate.isNaN && flat.defined == 0 && flat.rho.low.isNaN)
    }
}
