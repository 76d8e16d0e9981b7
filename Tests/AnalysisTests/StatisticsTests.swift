import Foundation
import Linalg
import Testing
@testable import Analysis

struct DescriptiveTests {
    @Test func quantilesIQMAndRanks() {
        #expect(Descriptive.quantile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(Descriptive.quantile([3, 1, 2], 0) == 1 && Descriptive.quantile([3, 1, 2], 1) == 3)
        #expect(abs(Descriptive.quantile([0, 10], 0.25) - 2.5) < 1e-12)
        #expect(Descriptive.iqm([8, 1, 7, 2, 6, 3, 5, 4]) == 4.5)  // drops 1, 2 and 7, 8
        #expect(Descriptive.iqm([1, 2, 3, 100, 4]) == (2 + 3 + 4) / 3.0)  // floor(5/4) = 1 from each end
        #expect(Descriptive.ranks([10, 20, 10, 30]) == [1.5, 3, 1.5, 4])
        #expect(abs(Descriptive.spearman([1, 2, 3, 4], [10, 20, 30, 1000]) - 1) < 1e-12)
        #expect(abs(Descriptive.spearman([1, 2, 3, 4], [4, 3, 2, 1]) - -1) < 1e-12)
        #expect(Descriptive.variance([1, 2, 3, 4]) == 5.0 / 3)
    }
}

struct BootstrapTests {
    @Test func deterministicAndCoversTheMean() {
        var r = RandomStream(key: RandomKey("boot-data"))
        let x = (0..<200).map { _ in Double(r.normal()) + 3 }
        let b = Bootstrap(resamples: 2000, key: RandomKey("b1"))
        let ci = b.interval(x)
        #expect(ci == b.interval(x))
        #expect(ci.low < ci.estimate && ci.estimate < ci.high)
        // Width is about 2 * 1.96 * sd / sqrt(n) = 0.277 for sd 1, n 200.
        let width = ci.high - ci.low
        #expect(width > 0.2 && width < 0.36)
        #expect(ci.n == 200)
        #expect(Bootstrap(resamples: 2000, key: RandomKey("b2")).interval(x) != ci)
    }

    @Test func stratificationKeepsEachStratumSize() {
        // Two strata with constant values: every stratified resample has the same mean.
        let x = [Double](repeating: 1, count: 10) + [Double](repeating: 5, count: 30)
        let strata = [Int](repeating: 0, count: 10) + [Int](repeating: 1, count: 30)
        let ci = Bootstrap(resamples: 500).interval(x, strata: strata)
        #expect(ci.low == 4 && ci.high == 4 && ci.estimate == 4)
        // Unstratified resampling varies the mix, so the interval has width.
        let loose = Bootstrap(resamples: 500).interval(x)
        #expect(loose.high - loose.low > 0.5)
    }
}

extension BootstrapTests {
    /// The joint pass gives each column exactly the interval the one-column bootstrap gives it,
    /// with and without strata (same key, same draws, same summation order).
    @Test func jointMeanIntervalsEqualOneColumnAtATime() {
        var r = RandomStream(key: RandomKey("joint-data"))
        let n = 37
        let columns = (0..<4).map { c in (0..<n).map { _ in Double(r.normal()) * Double(c + 1) + Double(c) } }
        let strata = (0..<n).map { $0 % 3 == 0 ? 7 : 2 }
        for st in [nil, strata] {
            let b = Bootstrap(resamples: 300, key: RandomKey("joint", .int(st == nil ? 0 : 1)))
            let joint = b.meanIntervals(columns, strata: st)
            #expect(joint.count == 4)
            for c in columns.indices { #expect(joint[c] == b.interval(columns[c], strata: st), "column \(c)") }
        }
        #expect(Bootstrap().meanIntervals([]).isEmpty)
    }
}

struct ComparisonTests {
    @Test func probabilityOfImprovementMatchesPairCounting() {
        let x: [Double] = [0.5, 0.7, 0.7, 0.9, 0.2], y: [Double] = [0.6, 0.7, 0.1]
        var wins = 0.0
        for a in x { for b in y { wins += a > b ? 1 : a == b ? 0.5 : 0 } }
        #expect(abs(Comparison.probabilityOfImprovement(x, over: y) - wins / 15) < 1e-12)
        let lower = Comparison.probabilityOfImprovement(x, over: y, direction: .lowerIsBetter)
        #expect(abs(lower - (1 - wins / 15)) < 1e-12)
        #expect(Comparison.probabilityOfImprovement([1, 2], over: [1, 2]) == 0.5)
    }

    @Test func pairedComparisonFlagsOnlyRealRegressions() {
        var r = RandomStream(key: RandomKey("paired"))
        let base = (0..<40).map { _ in 0.8 + 0.02 * Double(r.normal()) }
        let same = Comparison.paired(base: base, head: base, direction: .higherIsBetter, threshold: 0.01)
        #expect(!same.regression && !same.improved && same.difference.estimate == 0)
        let worse = base.map { $0 - 0.05 + 0.005 * Double(r.normal()) }
        let w = Comparison.paired(base: base, head: worse, direction: .higherIsBetter, threshold: 0.01)
        #expect(w.regression && w.difference.high < 0)
        // Forgetting is lower-is-better: the same shift is an improvement.
        let f = Comparison.paired(base: base, head: worse, direction: .lowerIsBetter, threshold: 0.01)
        #expect(!f.regression && f.improved)
        // Significant but below the threshold: not flagged.
        let tiny = Comparison.paired(base: base, head: base.map { $0 - 0.001 }, direction: .higherIsBetter, threshold: 0.01)
        #expect(tiny.difference.excludesZero() && !tiny.regression)
    }

    @Test func varianceDecompositionRecoversAdditiveEffects() {
        // value = order effect + similarity effect, no seed effect, balanced 4 x 2 x 3 design.
        let orderEffect: [Double] = [0, 1, 2, 3], simEffect: [Double] = [-2, 2]
        var values: [Double] = [], order: [String] = [], sim: [String] = [], seed: [String] = []
        for o in 0..<4 { for s in 0..<2 { for k in 0..<3 {
            values.append(orderEffect[o] + simEffect[s]); order.append("o\(o)"); sim.append("s\(s)"); seed.append("k\(k)")
        } } }
        let (shares, residual) = VarianceDecomposition.shares(values: values, factors: ["order": order, "similarity": sim, "seed": seed])
        // Population variances: order 1.25, similarity 4; total 5.25.
        #expect(abs(shares["order"]! - 1.25 / 5.25) < 1e-12)
        #expect(abs(shares["similarity"]! - 4 / 5.25) < 1e-12)
        #expect(abs(shares["seed"]!) < 1e-12)
        #expect(abs(residual) < 1e-12)
    }
}

struct ChangePointTests {
    @Test func oneClearStepIsFoundAtItsIndex() {
        var r = RandomStream(key: RandomKey("step"))
        let y = (0..<40).map { i in (i < 25 ? 0.80 : 0.70) + 0.01 * Double(r.normal()) }
        let res = ChangePoints.detect(y)
        #expect(res.changes == [25])
        #expect(abs(res.segmentMeans[0] - 0.80) < 0.01 && abs(res.segmentMeans[1] - 0.70) < 0.01)
    }

    @Test func flatNoisySeriesHaveNone() {
        for s in 0..<25 {
            var r = RandomStream(key: RandomKey("flat", .int(s)))
            let y = (0..<50).map { _ in 0.8 + 0.01 * Double(r.normal()) }
            #expect(ChangePoints.detect(y).changes.isEmpty, "seed \(s)")
        }
        #expect(ChangePoints.detect([1, 1, 1, 1]).changes.isEmpty)
    }

    @Test func twoStepsAndNoiselessSteps() {
        var r = RandomStream(key: RandomKey("two-steps"))
        let y = (0..<60).map { i in (i < 20 ? 1.0 : i < 45 ? 1.2 : 0.9) + 0.02 * Double(r.normal()) }
        #expect(ChangePoints.detect(y).changes == [20, 45])
        #expect(ChangePoints.detect([5, 5, 5, 7, 7, 7]).changes == [3])
    }

    /// Gaps (versions where a method or figure was not measured) are skipped, and the change is
    /// reported at its position in the whole series, not among the measured values.
    @Test func changesAlongGapsKeepPositions() {
        let y: [Double?] = [nil, 0.80, 0.81, .nan, 0.79, 0.80, nil, 0.60, 0.61, 0.59, 0.60]
        let dense = ChangePoints.detect([0.80, 0.81, 0.79, 0.80, 0.60, 0.61, 0.59, 0.60]).changes
        #expect(dense == [4])
        #expect(ChangePoints.changes(alongGaps: y) == [7])
        #expect(ChangePoints.changes(alongGaps: [nil, 1, 5]).isEmpty)  // fewer than five measured
    }

    /// A clear step over 4 measured versions: detect finds it, but the history needs 5 versions
    /// by default and says none; with the minimum lowered to 4 (or 5 versions given) it is found.
    /// By hand: differences 0, -0.2, 0 have MAD 0, so sigma = sqrt(pi/2) * mean|d| / sqrt 2 =
    /// 1.25331 * 0.066667 / 1.41421 = 0.059082; penalty 3 sigma^2 ln 4 = 0.014517. One segment
    /// costs 4 * 0.1^2 = 0.04; the split at 2 costs 0 + 0.014517 (the best other split, at 1,
    /// 0.026667 + 0.014517), so the change is at 2.
    @Test func changePointsNeedFiveVersionsByDefault() {
        let four: [Double?] = [0.80, 0.80, 0.60, 0.60]
        let r = ChangePoints.detect([0.80, 0.80, 0.60, 0.60])
        #expect(r.changes == [2])
        #expect(abs(r.sigma - 0.059082) < 1e-6 && abs(r.penalty - 0.014517) < 1e-6, "\(r)")
        #expect(r.segmentMeans.count == 2 && abs(r.segmentMeans[0] - 0.8) < 1e-12 && abs(r.segmentMeans[1] - 0.6) < 1e-12)
        #expect(ChangePoints.changes(alongGaps: four).isEmpty)
        #expect(ChangePoints.changes(alongGaps: four, minimumVersions: 4) == [2])
        #expect(ChangePoints.changes(alongGaps: [0.80, 0.80, nil, 0.60, 0.60, 0.60]) == [3])
    }

    /// Values on a coarse grid make most consecutive differences equal, so their median
    /// absolute deviation is 0; the noise level must not collapse to 0 and split every point.
    @Test func gridValuedNoiseKeepsOneStep() {
        let y: [Double] = [100, 101, 99, 100, 150, 151, 149, 150]
        #expect(ChangePoints.noiseLevel(y) > 1)
        #expect(ChangePoints.detect(y).changes == [4])
        #expect(ChangePoints.detect([100, 101, 99, 100, 101, 99, 100, 101]).changes.isEmpty)
    }
}

struct ScoreValidityTests {
    /// Forgetting generated from known coefficients: the fit must recover them.
    @Test func recoversKnownCoefficients() {
        var r = RandomStream(key: RandomKey("validity"))
        let truth: [Double] = [0.05, 0.4, 0.1, 0, 0, -0.3, -0.05]  // intercept, SV, SL, SXst, SXts, DV, DL
        var obs: [ForgettingObservation] = []
        for i in 0..<120 {
            let s = (0..<6).map { _ in Double(r.uniform()) }
            let f = truth[0] + zip(truth.dropFirst(), s).map(*).reduce(0, +) + 0.001 * Double(r.normal())
            obs.append(ForgettingObservation(scores: s, forgetting: f, stratum: i % 2))
        }
        let v = ScoreValidity.analyse(obs, bootstrap: Bootstrap(resamples: 300))
        #expect(v.rSquared > 0.999)
        #expect(v.spearman > 0.99)
        for (i, t) in truth.enumerated() {
            #expect(abs(v.coefficients[i].estimate - t) < 0.005, "coefficient \(i)")
            #expect(v.coefficients[i].low <= t + 0.002 && v.coefficients[i].high >= t - 0.002)
        }
        // Vision family (SV 0.4, DV -0.3) dominates language (SL 0.1, DL -0.05).
        #expect(v.familyShares["vision"]! > v.familyShares["language"]!)
        #expect(abs(v.familyShares.values.reduce(0, +) - 1) < 1e-9)
        #expect(v.scoreVisionShare > 0.8)
        #expect(v.shapleyVisionShare == nil)
    }

    @Test func agreementWithShapleyShares() {
        var r = RandomStream(key: RandomKey("validity-shapley"))
        var obs: [ForgettingObservation] = []
        for _ in 0..<60 {
            let s = (0..<6).map { _ in Double(r.uniform()) }
            let f = 0.5 * s[0] + 0.01 * Double(r.normal())
            // Ground truth says all forgetting comes from the vision update.
            obs.append(ForgettingObservation(scores: s, forgetting: f, shapley: GroupValues(vision: -f, language: 0, shared: 0)))
        }
        let v = ScoreValidity.analyse(obs, bootstrap: Bootstrap(resamples: 100))
        #expect(v.shapleyVisionShare == 1)
        #expect(v.shareDisagreement! < 0.1)
    }

    @Test func leastSquaresOnHandData() {
        // y = 1 + 2x exactly.
        let fit = LeastSquares.fit(x: [[0], [1], [2], [3]], y: [1, 3, 5, 7])
        #expect(abs(fit.coefficients[0] - 1) < 1e-12 && abs(fit.coefficients[1] - 2) < 1e-12)
        #expect(abs(fit.rSquared - 1) < 1e-12)
        // A constant predictor is dropped, not a failure.
        let c = LeastSquares.fit(x: [[1, 0], [1, 1], [1, 2]], y: [1, 2, 3])
        #expect(c.rSquared > 0.999)
    }
}
