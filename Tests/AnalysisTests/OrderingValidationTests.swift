import Foundation
import Linalg
import Testing
@testable import Analysis

/// The ordering validation (T3) against figures computed directly, and on synthetic worlds
/// whose forgetting does or does not follow the cost.
struct OrderingValidationTests {
    func weights(_ n: Int, _ key: String) -> [[Double]] {
        var r = RandomStream(key: RandomKey("ordering-validation", .string(key)))
        return (0..<n).map { a in (0..<n).map { b in a == b ? 0 : r.uniformDouble() } }
    }

    func cost(_ w: [[Double]], _ term: OrderCostTerm = .imageToText) -> OrderCost {
        OrderCost(environments: w.indices.map { "e\($0)" }, weights: w, variant: OrderCostVariant(term: term, span: .consecutive))
    }

    func naivePermutations(_ items: [String]) -> [[String]] {
        if items.count <= 1 { return [items] }
        return items.flatMap { x in naivePermutations(items.filter { $0 != x }).map { [x] + $0 } }
    }

    /// Runs of every order and seed with forgetting = f(order, seed); BWT = -forgetting, Last = 1 - forgetting.
    func runs(_ envs: [String], seeds: [Int], _ f: ([String], Int) -> Double) -> [OrderedRun] {
        naivePermutations(envs).flatMap { o in seeds.map { s in
            let v = f(o, s)
            return OrderedRun(order: o, seed: s, outcomes: [.forgetting: v, .bwt: -v, .last: 1 - v])
        } }
    }

    @Test func guidedFiguresEqualThoseReadDirectly() throws {
        let w = weights(4, "direct")
        let c = cost(w)
        var r = RandomStream(key: RandomKey("ordering-direct"))
        var table: [[String]: [Double]] = [:]
        let rs = runs(c.environments, seeds: [0, 1, 2]) { o, _ in
            let v = 0.1 + r.uniformDouble()
            table[o, default: []].append(v)
            return v
        }
        let v = try #require(OrderingValidation.analyse(rs, costs: [c], bootstrap: Bootstrap(resamples: 300)))
        let f = try #require(v.analysis(.forgetting))
        // Directly: the cheapest order, its mean forgetting, the best and mean orders.
        let idx = { (o: [String]) in o.map { Int($0.dropFirst())! } }
        let guided = table.keys.min { c.cost(idx($0)) < c.cost(idx($1)) }!
        let mean = { (o: [String]) in table[o]!.reduce(0, +) / 3 }
        let means = table.keys.map(mean)
        #expect(f.guided.order == guided)
        #expect(abs(f.guided.outcome.estimate - mean(guided)) < 1e-12)
        #expect(abs(f.best.outcome.estimate - means.min()!) < 1e-12)
        #expect(abs(f.worst.outcome.estimate - means.max()!) < 1e-12)
        #expect(abs(f.ratio - means.max()! / means.min()!) < 1e-12)
        #expect(abs(f.regretVsBest.estimate - (mean(guided) - means.min()!)) < 1e-12)
        #expect(abs(f.regretVsMean.estimate - (mean(guided) - means.reduce(0, +) / 24)) < 1e-12)
        #expect(f.guidedRank == 1 + means.filter { $0 < mean(guided) }.count)
        #expect(f.regretVsBest.low >= 0 && f.regretVsBest.low <= f.regretVsBest.high)
        #expect(v.orderCount == 24 && v.complete && v.seeds == [0, 1, 2])
        // BWT is higher-better: its best order is forgetting's best, its regret the same number.
        let b = try #require(v.analysis(.bwt))
        #expect(b.best.order == f.best.order && abs(b.regretVsBest.estimate - f.regretVsBest.estimate) < 1e-12)
        #expect(abs(b.ratio - f.ratio) < 1e-12)
        // The per-order costs and correlation are the cost's and the direct Pearson.
        let x = f.orders.map { c.cost(idx($0.order)) }, y = f.orders.map { mean($0.order) }
        #expect(abs(f.pearson.estimate - Descriptive.pearson(x, y)) < 1e-12)
        #expect(v.analysis(.oodAUROC) == nil)  // not stored
    }

    @Test func forgettingThatFollowsTheCostGivesRhoNearOne() throws {
        let w = weights(5, "follows")
        let c = cost(w)
        var r = RandomStream(key: RandomKey("follows-noise"))
        let rs = runs(c.environments, seeds: [0, 1, 2]) { o, _ in 0.05 + c.cost(o.map { Int($0.dropFirst())! }) + 0.01 * r.uniformDouble() }
        let v = try #require(OrderingValidation.analyse(rs, costs: [c, cost(w, .textToImage)], bootstrap: Bootstrap(resamples: 500)))
        let f = try #require(v.analysis(.forgetting))
        #expect(f.spearman.estimate > 0.97 && f.spearman.low > 0.95)
        #expect(f.pearson.estimate > 0.97)
        #expect(f.guidedRank <= 3)
        #expect(v.bestVariant == .paper)
        // Last falls as forgetting rises: a negative correlation with the cost.
        #expect(try #require(v.analysis(.last)).spearman.estimate < -0.97)
    }

    @Test func forgettingUnrelatedToTheCostGivesACIContainingZero() throws {
        let w = weights(5, "unrelated")
        let c = cost(w)
        var r = RandomStream(key: RandomKey("unrelated-forgetting"))
        let rs = runs(c.environments, seeds: [0, 1, 2]) { _, _ in 0.2 + r.uniformDouble() }
        let v = try #require(OrderingValidation.analyse(rs, costs: [c], bootstrap: Bootstrap(resamples: 500)))
        let f = try #require(v.analysis(.forgetting))
        #expect(f.spearman.low < 0 && f.spearman.high > 0)
        #expect(f.pearson.low < 0 && f.pearson.high > 0)
        #expect(f.orders.count == 120)
    }

    @Test func theBestVariantIsTheOneTheForgettingFollows() throws {
        let w = weights(5, "variant")
        let t2i = OrderCost(environments: (0..<5).map { "e\($0)" }, weights: (0..<5).map { a in (0..<5).map { b in w[b][a] } },
                            variant: OrderCostVariant(term: .textToImage, span: .consecutive))
        let rs = runs(t2i.environments, seeds: [0]) { o, _ in t2i.cost(o.map { Int($0.dropFirst())! }) }
        let v = try #require(OrderingValidation.analyse(rs, costs: [cost(w), t2i], bootstrap: Bootstrap(resamples: 200)))
        #expect(v.bestVariant?.name == "t2i")
        #expect(abs(v.variantSpearman[1].rho.estimate - 1) < 1e-12)
    }

    /// The verdict carries the cumulative OOD AUROC: the guided order's rank, best and worst
    /// against the per-order values set here; one line "the same for every order" when every order
    /// ends at the same AUROC (the frozen protocol); no clause when the runs stored none.
    @Test func verdictCarriesTheCumulativeOODAUROC() throws {
        let c = cost(weights(4, "ood"))
        let orders = naivePermutations(c.environments)
        let guided = orders.min { c.cost($0.map { c.environments.firstIndex(of: $0)! }) < c.cost($1.map { c.environments.firstIndex(of: $0)! }) }!
        // AUROC 0.5 + 0.01 x (the order's position in the list), the same for both seeds.
        func auroc(_ o: [String]) -> Double { 0.5 + 0.01 * Double(orders.firstIndex(of: o)!) }
        var rs = runs(c.environments, seeds: [0, 1]) { o, _ in 0.2 + 0.001 * Double(orders.firstIndex(of: o)!) }
        for i in rs.indices { rs[i].outcomes[.oodAUROC] = auroc(rs[i].order) }
        let v = try #require(OrderingValidation.analyse(rs, costs: [c], bootstrap: Bootstrap(resamples: 200)))
        let higher = orders.filter { auroc($0) > auroc(guided) }.count  // higher AUROC is better
        let clause = try #require(v.oodClause)
        #expect(clause.hasPrefix("cumulative OOD AUROC after the last stage: guided order ranks \(OrderingValidation.ordinal(1 + higher)) of 24 ("
            + String(format: "%.3f", auroc(guided)) + "; best 0.730, worst 0.500;"), "\(clause)")
        #expect(v.verdict.hasSuffix("; " + clause))

        for i in rs.indices { rs[i].outcomes[.oodAUROC] = 0.228 }
        let frozen = try #require(OrderingValidation.analyse(rs, costs: [c], bootstrap: Bootstrap(resamples: 200)))
        #expect(frozen.oodClause == "cumulative OOD AUROC after the last stage: the same for every order (0.228)")

        for i in rs.indices { rs[i].outcomes[.oodAUROC] = nil }
        let none = try #require(OrderingValidation.analyse(rs, costs: [c], bootstrap: Bootstrap(resamples: 200)))
        #expect(none.oodClause == nil && !none.verdict.contains("OOD"))
    }

    /// Forgetting the same for every order (0.1, whose mean over 120 orders does not round back
    /// to 0.1): Pearson and Spearman are undefined, n/a in the verdict, NaN (JSON null) in the
    /// intervals, where the raw Pearson gives the rounding residue (about 1e-17, "0.000").
    @Test func aConstantOutcomeHasNoCorrelation() throws {
        let c = cost(weights(5, "constant"))
        let rs = runs(c.environments, seeds: [0, 1, 2]) { _, _ in 0.1 }
        let v = try #require(OrderingValidation.analyse(rs, costs: [c, cost(weights(5, "constant"), .textToImage)], bootstrap: Bootstrap(resamples: 200)))
        for outcome in [OrderOutcome.forgetting, .bwt, .last] {
            let a = try #require(v.analysis(outcome))
            for i in [a.pearson, a.spearman] {
                #expect(i.estimate.isNaN && i.low.isNaN && i.high.isNaN && i.n == 120, "\(outcome): \(i)")
            }
            #expect(a.ratio == 1 && a.guidedRank == 1 && a.regretVsBest.estimate == 0)
        }
        #expect(v.variantSpearman.allSatisfy { $0.rho.estimate.isNaN } && v.bestVariant == nil)
        #expect(v.verdict.contains("; ρ(cost, forgetting) = n/a (forgetting is the same for every order); best/worst F 0.100/0.100 (1.00x [1.00, 1.00] over seeds)"), "\(v.verdict)")
        #expect(!v.verdict.contains("ρ = "))
        // What the validation used to print: the raw Pearson of the constant means is a residue.
        let f = try #require(v.analysis(.forgetting))
        let raw = Descriptive.pearson(f.orders.map(\.cost), f.orders.map(\.outcome.estimate))
        #expect(raw.isFinite && abs(raw) < 1e-6, "\(raw)")
        // A cost the same for every order likewise.
        let flat = OrderCost(environments: c.environments, weights: (0..<5).map { a in (0..<5).map { b in a == b ? 0 : 0.5 } }, variant: c.variant)
        let g = try #require(OrderingValidation.analyse(runs(c.environments, seeds: [0]) { o, _ in Double(o[0].dropFirst())! },
                                                        costs: [flat], bootstrap: Bootstrap(resamples: 50)))
        #expect(g.analysis(.forgetting)!.spearman.estimate.isNaN && g.verdict.contains("ρ(cost, forgetting) = n/a (every order has the same cost)"))
        // Spearman with a CI over clusters (T2) on a constant side: n/a, no replicate kept.
        let t2 = RankCorrelationInterval.spearman([0, 0, 1, 1, 5, 5], [Double](repeating: 0.3, count: 6), bootstrap: Bootstrap(resamples: 100))
        #expect(t2.rho.estimate.isNaN && t2.rho.low.isNaN && t2.defined == 0)
        #expect(Descriptive.isConstant([0.1, 0.1 + 1e-15]) && !Descriptive.isConstant([0.1, 0.1 + 1e-9]))
    }

    /// The best/worst ratio's CI over seeds: when the seeds only scale every order's forgetting
    /// alike, every draw of seeds gives the same ratio, so the CI is that ratio; otherwise the CI
    /// lies within the ratios of all 27 draws of 3 seeds (brute force), and the verdict shows it.
    @Test func ratioIntervalResamplesSeeds() throws {
        let c = cost(weights(4, "ratio"))
        let orders = naivePermutations(c.environments)
        let base = { (o: [String]) in 0.1 + 0.01 * Double(orders.firstIndex(of: o)!) }
        let scaled = try #require(OrderingValidation.analyse(runs(c.environments, seeds: [0, 1, 2]) { o, s in base(o) * Double(1 + s) },
                                                             costs: [c], bootstrap: Bootstrap(resamples: 300)))
        let f = try #require(scaled.analysis(.forgetting))
        let r = base(orders.last!) / base(orders[0])
        #expect(abs(f.ratio - r) < 1e-12 && abs(f.ratioInterval.low - r) < 1e-12 && abs(f.ratioInterval.high - r) < 1e-12 && f.ratioInterval.n == 3)
        #expect(scaled.verdict.contains(String(format: "(%.2fx [%.2f, %.2f] over seeds)", r, r, r)), "\(scaled.verdict)")

        var noise = RandomStream(key: RandomKey("ratio-noise"))
        var table: [[String]: [Double]] = [:]
        let rs = runs(c.environments, seeds: [0, 1, 2]) { o, _ in
            let v = base(o) + 0.05 * noise.uniformDouble()
            table[o, default: []].append(v)
            return v
        }
        let g = try #require(OrderingValidation.analyse(rs, costs: [c], bootstrap: Bootstrap(resamples: 300)))
        let a = try #require(g.analysis(.forgetting))
        var all: [Double] = []
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 {
            let means = orders.map { o in (table[o]![i] + table[o]![j] + table[o]![k]) / 3 }
            all.append(means.max()! / means.min()!)
        } } }
        #expect(a.ratioInterval.low >= all.min()! - 1e-12 && a.ratioInterval.high <= all.max()! + 1e-12 && a.ratioInterval.low < a.ratioInterval.high)
        let means = orders.map { o in table[o]!.reduce(0, +) / 3 }
        #expect(abs(a.ratio - means.max()! / means.min()!) < 1e-12)
    }

    @Test func tooFewOrdersAreNotValidated() {
        let c = cost(weights(4, "few"))
        let eleven = Array(runs(c.environments, seeds: [0]) { _, _ in 1 }.prefix(11))
        #expect(OrderingValidation.analyse(eleven, costs: [c]) == nil)
        let twelve = Array(runs(c.environments, seeds: [0]) { o, _ in Double(Int(o[0].dropFirst())!) }.prefix(12))
        #expect(OrderingValidation.analyse(twelve, costs: [c], bootstrap: Bootstrap(resamples: 50))?.orderCount == 12)
        // Three environments: all six orders qualify.
        #expect(OrderingValidation.qualifies(orders: 6, environments: 3))
        #expect(!OrderingValidation.qualifies(orders: 5, environments: 3))
    }
}
