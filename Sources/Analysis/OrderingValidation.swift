import Linalg

/// An outcome of a run that the order of training may change.
public enum OrderOutcome: String, CaseIterable, Sendable {
    case forgetting = "Forgetting"
    case bwt = "BWT"
    case last = "Last"
    /// The cumulative OOD AUROC after the last stage (trained-so-far against held-out), if stored.
    case oodAUROC = "cumulative OOD AUROC"

    public var lowerIsBetter: Bool { self == .forgetting }
    public var key: String {
        switch self {
        case .forgetting: "forgetting"
        case .bwt: "bwt"
        case .last: "last"
        case .oodAUROC: "ood_auroc"
        }
    }
}

/// One finished run of a group: its order (environment names), seed and outcomes.
public struct OrderedRun: Sendable {
    public var order: [String]
    public var seed: Int
    public var outcomes: [OrderOutcome: Double]

    public init(order: [String], seed: Int, outcomes: [OrderOutcome: Double]) {
        self.order = order
        self.seed = seed
        self.outcomes = outcomes
    }
}

/// Does the order cost predict what the order does (the paper's T3)? Over the orders one
/// (protocol, model, world, method, similarity) group ran: each order's outcome (mean over
/// seeds), the correlation of cost and outcome over orders, the best and worst orders, and the
/// guided order (the cheapest order run) with its rank and regret.
///
/// CIs: an order's mean, over its seeds (percentile bootstrap); correlations, over orders
/// (orders drawn with replacement, replicates where a side is constant left out); the guided
/// order's regret, over seeds (seed indices drawn with replacement, every order's mean and the
/// best order recomputed in each replicate, as a new set of seeds would).
public struct OrderingValidation: Sendable {
    public struct PerOrder: Sendable {
        public var order: [String]
        public var cost: Double
        /// Mean over seeds, with its CI over seeds.
        public var outcome: Interval
    }

    public struct Analysis: Sendable {
        public var outcome: OrderOutcome
        /// One entry per order run, in the orders' first appearance.
        public var orders: [PerOrder]
        public var pearson: Interval
        public var spearman: Interval
        /// Best and worst by the outcome's direction (lower forgetting is better).
        public var best: PerOrder
        public var worst: PerOrder
        /// The larger magnitude over the smaller of best and worst (the paper's "forgets 1.7x less");
        /// NaN when they differ in sign or one is 0.
        public var ratio: Double
        /// The ratio with its CI over seeds (each replicate re-picks best and worst from its own
        /// means, as a new set of seeds would): the ratio is max over min of noisy means, so it
        /// moves with the seeds; with 3 seeds only 10 distinct draws exist.
        public var ratioInterval: Interval
        public var guided: PerOrder
        /// 1 + the number of orders with a strictly better mean.
        public var guidedRank: Int
        /// How much worse than the best order (≥ 0), CI over seeds.
        public var regretVsBest: Interval
        /// How much worse than the mean order, i.e. a random order's expectation (negative: better), CI over seeds.
        public var regretVsMean: Interval
    }

    public var variant: OrderCostVariant
    public var orderCount: Int
    public var seeds: [Int]
    /// Whether every order of the environments ran.
    public var complete: Bool
    public var analyses: [Analysis]
    /// Spearman between each variant's cost and Forgetting over orders (the first variant is `variant`).
    public var variantSpearman: [(variant: OrderCostVariant, rho: Interval)]

    /// The variant whose cost best predicts forgetting: the largest Spearman ρ (more cost, more forgetting).
    public var bestVariant: OrderCostVariant? {
        variantSpearman.filter { $0.rho.estimate.isFinite }.max { $0.rho.estimate < $1.rho.estimate }?.variant
    }

    public func analysis(_ o: OrderOutcome) -> Analysis? { analyses.first { $0.outcome == o } }

    /// Enough orders to validate on: all of them, or at least 12.
    public static func qualifies(orders: Int, environments: Int) -> Bool {
        let total = (1...max(environments, 1)).reduce(1) { $0 * $1 }
        return orders >= min(12, total)
    }

    /// `costs`: the variants, the first the one that picks the guided order; all over the same
    /// environments. Runs whose order is not an order of those environments are left out.
    /// Nil when fewer orders ran than `qualifies` needs.
    public static func analyse(_ runs: [OrderedRun], costs: [OrderCost], bootstrap: Bootstrap = Bootstrap()) -> OrderingValidation? {
        guard let main = costs.first else { return nil }
        let env = main.environments
        var orderIndex: [[String]: Int] = [:], orders: [[Int]] = [], names: [[String]] = []
        var usable: [(order: Int, run: OrderedRun)] = []
        for r in runs {
            let idx = r.order.compactMap { env.firstIndex(of: $0) }
            guard r.order.count == env.count, idx.count == env.count, Set(idx).count == env.count else { continue }
            if orderIndex[r.order] == nil { orderIndex[r.order] = orders.count; orders.append(idx); names.append(r.order) }
            usable.append((orderIndex[r.order]!, r))
        }
        guard env.count >= 2, qualifies(orders: orders.count, environments: env.count) else { return nil }
        let seeds = Array(Set(usable.map(\.run.seed))).sorted()
        let costOf = orders.map { main.cost($0) }
        // The guided order: the cheapest run, ties to the lexicographically first (as the ranking).
        let guided = orders.indices.min { a, b in
            costOf[a] != costOf[b] ? costOf[a] < costOf[b] : orders[a].lexicographicallyPrecedes(orders[b])
        }!

        var analyses: [Analysis] = []
        var forgettingMeans: [Double]?
        for outcome in OrderOutcome.allCases {
            // value[order][seed], nil where missing.
            var value = [[Double?]](repeating: [Double?](repeating: nil, count: seeds.count), count: orders.count)
            for u in usable { if let v = u.run.outcomes[outcome], v.isFinite { value[u.order][seeds.firstIndex(of: u.run.seed)!] = v } }
            guard value.allSatisfy({ $0.contains { $0 != nil } }) else { continue }
            let key = bootstrap.key.child(.string("ordering"), .string(outcome.key))
            let perOrder = orders.indices.map { o -> PerOrder in
                let v = value[o].compactMap { $0 }
                let b = Bootstrap(resamples: bootstrap.resamples, confidence: bootstrap.confidence, key: key.child(.int(o)))
                return PerOrder(order: names[o], cost: costOf[o], outcome: b.interval(v))
            }
            let means = perOrder.map(\.outcome.estimate)
            if outcome == .forgetting { forgettingMeans = means }
            let sign = outcome.lowerIsBetter ? 1.0 : -1.0
            // Lower "badness" is better: badness = sign * value.
            func stats(_ m: [Double]) -> (best: Int, worst: Int, regretBest: Double, regretMean: Double) {
                let bad = m.map { sign * $0 }
                let best = bad.indices.min { bad[$0] < bad[$1] }!, worst = bad.indices.max { bad[$0] < bad[$1] }!
                return (best, worst, bad[guided] - bad[best], bad[guided] - Descriptive.mean(bad))
            }
            // The larger magnitude of best and worst over the smaller; NaN across 0.
            func ratio(_ m: [Double], _ s: (best: Int, worst: Int, regretBest: Double, regretMean: Double)) -> Double {
                let b = abs(m[s.best]), w = abs(m[s.worst])
                let sameSign = (m[s.best] > 0) == (m[s.worst] > 0) && b > 0 && w > 0
                return sameSign ? max(b, w) / min(b, w) : .nan
            }
            let point = stats(means)
            let bad = means.map { sign * $0 }
            let rank = 1 + bad.filter { $0 < bad[guided] }.count
            // Regret CIs over seeds.
            let seedBoot = Bootstrap(resamples: bootstrap.resamples, confidence: bootstrap.confidence, key: key.child(.string("seeds")))
            var rb: [Double] = [], rm: [Double] = [], rr: [Double] = []
            for draw in seedBoot.indexResamples(count: seeds.count) {
                let m = orders.indices.map { o -> Double in
                    let v = draw.compactMap { value[o][$0] }
                    return v.isEmpty ? .nan : Descriptive.mean(v)
                }
                guard m.allSatisfy(\.isFinite) else { continue }
                let s = stats(m)
                rb.append(s.regretBest); rm.append(s.regretMean)
                let r = ratio(m, s)
                if r.isFinite { rr.append(r) }
            }
            let (pearson, spearman) = correlations(costOf, means, bootstrap: Bootstrap(resamples: bootstrap.resamples, confidence: bootstrap.confidence,
                                                                                       key: key.child(.string("orders"))))
            let pointRatio = ratio(means, point)
            analyses.append(Analysis(outcome: outcome, orders: perOrder, pearson: pearson, spearman: spearman,
                                     best: perOrder[point.best], worst: perOrder[point.worst],
                                     ratio: pointRatio,
                                     ratioInterval: pointRatio.isFinite ? interval(pointRatio, rr, bootstrap.confidence, n: seeds.count)
                                         : Interval(estimate: .nan, low: .nan, high: .nan, n: seeds.count),
                                     guided: perOrder[guided], guidedRank: rank,
                                     regretVsBest: interval(point.regretBest, rb, bootstrap.confidence, n: seeds.count),
                                     regretVsMean: interval(point.regretMean, rm, bootstrap.confidence, n: seeds.count)))
        }
        var byVariant: [(variant: OrderCostVariant, rho: Interval)] = []
        if let f = forgettingMeans {
            for c in costs {
                let x = orders.map { c.cost($0) }
                byVariant.append((c.variant, correlations(x, f, bootstrap: Bootstrap(resamples: bootstrap.resamples, confidence: bootstrap.confidence,
                                                                                     key: bootstrap.key.child(.string("ordering-variant"), .string(c.variant.name)))).spearman))
            }
        }
        let total = (1...env.count).reduce(1) { $0 * $1 }
        return OrderingValidation(variant: main.variant, orderCount: orders.count, seeds: seeds, complete: orders.count == total,
                                  analyses: analyses, variantSpearman: byVariant)
    }

    static func interval(_ estimate: Double, _ reps: [Double], _ confidence: Double, n: Int) -> Interval {
        let a = (1 - confidence) / 2
        let s = reps.sorted()
        return Interval(estimate: estimate, low: s.isEmpty ? .nan : Descriptive.quantile(s, a, alreadySorted: true),
                        high: s.isEmpty ? .nan : Descriptive.quantile(s, 1 - a, alreadySorted: true), n: n)
    }

    /// Pearson and Spearman over orders with CIs from resampling orders. A constant side (every
    /// order the same outcome, as frozen OOD AUROC, or the same cost) has no correlation: the
    /// estimate and its CI are NaN (n/a, JSON null), and so is any replicate that drew only
    /// tied values.
    static func correlations(_ x: [Double], _ y: [Double], bootstrap: Bootstrap) -> (pearson: Interval, spearman: Interval) {
        let point = Descriptive.correlationsOrUndefined(x, y)
        guard point.pearson.isFinite else { let u = Interval(estimate: .nan, low: .nan, high: .nan, n: x.count); return (u, u) }
        var p: [Double] = [], s: [Double] = []
        for d in bootstrap.indexResamples(count: x.count) {
            let r = Descriptive.correlationsOrUndefined(d.map { x[$0] }, d.map { y[$0] })
            if r.pearson.isFinite { p.append(r.pearson) }
            if r.spearman.isFinite { s.append(r.spearman) }
        }
        return (interval(point.pearson, p, bootstrap.confidence, n: x.count),
                interval(point.spearman, s, bootstrap.confidence, n: x.count))
    }
}

extension OrderingValidation {
    static func f(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        let s = String(format: "%.3f", x)
        return s == "-0.000" ? "0.000" : s
    }

    static func ci(_ i: Interval) -> String { "\(f(i.estimate)) [\(f(i.low)), \(f(i.high))]" }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }

    /// One line a page or a terminal can show: how the guided order did and whether the cost predicts forgetting.
    public var verdict: String {
        guard let a = analysis(.forgetting) else { return "no forgetting figures in these runs" }
        var s = "guided order ranks \(Self.ordinal(a.guidedRank)) of \(orderCount) on forgetting (F \(Self.f(a.guided.outcome.estimate))); "
            + "regret \(Self.ci(a.regretVsBest)) vs best, \(Self.ci(a.regretVsMean)) vs the mean order; "
            + Self.prediction(a, "forgetting") + "; best/worst F \(Self.f(a.best.outcome.estimate))/\(Self.f(a.worst.outcome.estimate))"
            + (!a.ratio.isFinite ? "" : a.ratioInterval.low.isFinite ? String(format: " (%.2fx [%.2f, %.2f] over seeds)", a.ratio, a.ratioInterval.low, a.ratioInterval.high)
                : String(format: " (%.2fx)", a.ratio))
        if let b = bestVariant, let r = variantSpearman.first(where: { $0.variant == b }) { s += "; best variant \(b.name) (ρ \(Self.f(r.rho.estimate)))" }
        if let o = oodClause { s += "; " + o }
        return s
    }

    /// The verdict's part on the cumulative OOD AUROC after the last stage (the paper's "guided
    /// ordering also improves OOD AUROC"), nil when the runs stored none. Under the frozen
    /// protocol every order ends with the same encoders and so the same AUROC: said as such,
    /// not as a rank.
    public var oodClause: String? {
        guard let a = analysis(.oodAUROC) else { return nil }
        let best = a.best.outcome.estimate, worst = a.worst.outcome.estimate
        let head = "cumulative OOD AUROC after the last stage"
        if Descriptive.isConstant(a.orders.map(\.outcome.estimate)) { return "\(head): the same for every order (\(Self.f(best)))" }
        return "\(head): guided order ranks \(Self.ordinal(a.guidedRank)) of \(orderCount) (\(Self.f(a.guided.outcome.estimate)); "
            + "best \(Self.f(best)), worst \(Self.f(worst)); regret \(Self.ci(a.regretVsMean)) vs the mean order), ρ(cost, AUROC) = \(Self.ci(a.spearman))"
    }

    /// "cost predicts forgetting with ρ = 0.41 [0.25, 0.55]", or, when the outcome (or the cost)
    /// is the same for every order, that ρ is n/a and why (a constant has no correlation).
    static func prediction(_ a: Analysis, _ name: String) -> String {
        if a.spearman.estimate.isFinite { return "cost predicts \(name) with ρ = \(ci(a.spearman))" }
        let outcomes = a.orders.map(\.outcome.estimate), costs = a.orders.map(\.cost)
        let why = Descriptive.isConstant(outcomes) ? "\(name) is the same for every order" : Descriptive.isConstant(costs) ? "every order has the same cost" : "too few orders"
        return "ρ(cost, \(name)) = n/a (\(why))"
    }
}

extension OrderingValidation {
    /// The bootstrap key of one (protocol, model, method, similarity) group's validation, shared
    /// by `clvbench analyze` and the task-order page so their intervals agree; adaptive groups
    /// keep the key they had before protocols were an axis.
    public static func groupKey(_ base: RandomKey, protocol p: String, model: String, method: String, sv: Double, sl: Double) -> RandomKey {
        p == "adaptive" ? base.child(.string(model), .string(method), .string("\(sv) \(sl)"))
            : base.child(.string(model), .string(method), .string("\(sv) \(sl)"), .string(p))
    }
}
