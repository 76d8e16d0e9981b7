/// The paper's T3 (DESIGN.md section 10): the cost of training the environments in order π,
/// C(π) = Σ_k Con_I→T(π_k, π_k+1) under the pretrained model, and its variants. An order with a
/// low cost is predicted to forget less; this file computes and ranks costs, nothing more.
///
/// Which pairs a cost sums over.
public enum OrderCostSpan: String, CaseIterable, Sendable, Codable {
    /// Consecutive environments (π_k, π_k+1): the paper's C(π).
    case consecutive
    /// Every earlier environment (π_k, π_l), k < l: each stage pays towards all it may overwrite.
    case allEarlier = "all-earlier"
}

/// What one pair (a trained before b) contributes to a cost.
public enum OrderCostTerm: String, CaseIterable, Sendable, Codable {
    /// Con_I→T(a, b) = mV(a)·mL(b): the paper's.
    case imageToText = "i2t"
    /// Con_T→I(a, b) = mL(a)·mV(b).
    case textToImage = "t2i"
    /// Con_I→T(a, b) + Con_T→I(a, b).
    case symmetric
    /// Con_I→I(a, b) + Con_T→T(a, b): intra-modal.
    case intraModal = "intra"

    public func weight(_ con: ConScores, _ a: Int, _ b: Int) -> Double {
        switch self {
        case .imageToText: con.value(.imageToText, a, b)
        case .textToImage: con.value(.textToImage, a, b)
        case .symmetric: con.value(.imageToText, a, b) + con.value(.textToImage, a, b)
        case .intraModal: con.value(.imageToImage, a, b) + con.value(.textToText, a, b)
        }
    }

    public var formula: String {
        switch self {
        case .imageToText: "Con_I→T(a,b)"
        case .textToImage: "Con_T→I(a,b)"
        case .symmetric: "Con_I→T(a,b) + Con_T→I(a,b)"
        case .intraModal: "Con_I→I(a,b) + Con_T→T(a,b)"
        }
    }
}

/// A cost variant: a term and a span. Named `i2t`, `t2i`, `symmetric`, `intra` (consecutive) and
/// `all-i2t`, `all-t2i`, `all-symmetric`, `all-intra` (all earlier pairs).
public struct OrderCostVariant: Hashable, Sendable, CustomStringConvertible {
    public var term: OrderCostTerm
    public var span: OrderCostSpan

    public init(term: OrderCostTerm, span: OrderCostSpan) {
        self.term = term
        self.span = span
    }

    /// The paper's C(π).
    public static let paper = OrderCostVariant(term: .imageToText, span: .consecutive)

    public static let all: [OrderCostVariant] = OrderCostSpan.allCases.flatMap { s in OrderCostTerm.allCases.map { OrderCostVariant(term: $0, span: s) } }

    public var name: String { span == .consecutive ? term.rawValue : "all-" + term.rawValue }
    public var description: String { name }

    public init?(name: String) {
        guard let v = Self.all.first(where: { $0.name == name }) else { return nil }
        self = v
    }

    /// The formula in words, for help texts and pages.
    public var formula: String {
        let w = term.formula
        return span == .consecutive ? "Σ_k \(w) over consecutive (a, b) = (π_k, π_k+1)" : "Σ_{k<l} \(w) over (a, b) = (π_k, π_l)"
    }
}

/// One order and its cost; `position` is 1 for the cheapest.
public struct RankedOrder: Equatable, Sendable {
    /// Indices into the environments of the cost.
    public var order: [Int]
    public var cost: Double
    public var position: Int
}

/// How a ranking was found.
public enum RankingMethod: String, Sendable {
    /// Every order costed and sorted (n ≤ `OrderCost.enumerationLimit`).
    case enumeration
    /// Exact k-best dynamic programming over subsets (n ≤ `OrderCost.dynamicProgrammingLimit`).
    case dynamicProgramming = "dynamic programming"
    /// Greedy construction from every start, then insertion moves to a local optimum: not exact.
    case heuristic
}

/// The cheapest orders (and the dearest), best first.
public struct OrderRanking: Sendable {
    public var environments: [String]
    public var variant: OrderCostVariant
    public var method: RankingMethod
    /// Cheapest first; every order when `method == .enumeration`.
    public var cheapest: [RankedOrder]
    /// Dearest first (position counted from the dearest).
    public var dearest: [RankedOrder]
    /// n!, the number of orders.
    public var orderCount: Double
    public var recommended: RankedOrder { cheapest[0] }
}

/// A cost on the orders of `environments`, from pair weights w[a][b] (a trained before b).
///
/// Ties are broken deterministically: among equal costs the order whose index sequence is
/// lexicographically smaller (in the environments' given order) ranks first. Costs are summed
/// left to right along the order (for all-earlier pairs, stage by stage, each stage's sum over
/// the earlier environments in index order), so enumeration and the dynamic program produce
/// bit-identical costs and therefore the same ranking.
public struct OrderCost: Sendable {
    public static let enumerationLimit = 8
    public static let dynamicProgrammingLimit = 12

    public var environments: [String]
    public var variant: OrderCostVariant
    /// weights[a][b]: what the pair contributes when a is trained before b (diagonal unused).
    public var weights: [[Double]]

    public init(environments: [String], weights: [[Double]], variant: OrderCostVariant) {
        precondition(weights.count == environments.count && weights.allSatisfy { $0.count == environments.count }, "a square weight matrix")
        self.environments = environments
        self.weights = weights
        self.variant = variant
    }

    /// The cost from the paper's scores (at the pretrained model, in practice).
    public init(scores: ConScores, variant: OrderCostVariant) {
        let n = scores.environments.count
        let w = (0..<n).map { a in (0..<n).map { b in a == b ? 0 : variant.term.weight(scores, a, b) } }
        self.init(environments: scores.environments, weights: w, variant: variant)
    }

    public var count: Int { environments.count }

    /// What appending b after the environments of `earlier` (for the consecutive span: after `last`) adds.
    func increment(earlierMask: UInt32, last: Int, next b: Int) -> Double {
        switch variant.span {
        case .consecutive:
            return weights[last][b]
        case .allEarlier:
            var s = 0.0
            for a in 0..<count where earlierMask & (1 << UInt32(a)) != 0 { s += weights[a][b] }
            return s
        }
    }

    /// C(π) of an order given by indices.
    public func cost(_ order: [Int]) -> Double {
        precondition(Set(order).count == order.count && order.allSatisfy { (0..<count).contains($0) }, "an order of distinct environments")
        var total = 0.0, mask: UInt32 = 0
        for (k, b) in order.enumerated() {
            if k > 0 { total += increment(earlierMask: mask, last: order[k - 1], next: b) }
            mask |= 1 << UInt32(b)
        }
        return total
    }

    /// Every permutation of 0..<n in lexicographic order.
    public static func permutations(_ n: Int) -> [[Int]] {
        var p = Array(0..<n), out = [p]
        guard n > 1 else { return out }
        while true {
            var i = n - 2
            while i >= 0 && p[i] >= p[i + 1] { i -= 1 }
            if i < 0 { return out }
            var j = n - 1
            while p[j] <= p[i] { j -= 1 }
            p.swapAt(i, j)
            p[(i + 1)...].reverse()
            out.append(p)
        }
    }

    /// (cost, lexicographic) order: the ranking's total order.
    static func precedes(_ a: (cost: Double, order: [Int]), _ b: (cost: Double, order: [Int])) -> Bool {
        a.cost != b.cost ? a.cost < b.cost : a.order.lexicographicallyPrecedes(b.order)
    }

    /// Every order, cheapest first (n ≤ `enumerationLimit`).
    public func enumerated() -> [RankedOrder] {
        precondition(count <= Self.enumerationLimit, "enumeration is for at most \(Self.enumerationLimit) environments")
        let all = Self.permutations(count).map { (cost: cost($0), order: $0) }.sorted(by: Self.precedes)
        return all.enumerated().map { RankedOrder(order: $1.order, cost: $1.cost, position: $0 + 1) }
    }

    /// The `k` cheapest orders, exactly, by dynamic programming over subsets (Held-Karp with a
    /// k-best list per state). A state is (set of trained environments, last one) for the
    /// consecutive span and the set alone for all earlier pairs, whose next increment depends
    /// only on the set; either way every prefix of a k-best order is k-best for its state, so
    /// keeping k per state is exact. O(2^n n^2 k) time.
    public func cheapestByDynamicProgramming(_ k: Int) -> [RankedOrder] {
        let n = count
        precondition(n >= 1 && n <= Self.dynamicProgrammingLimit && k >= 1, "dynamic programming is for 1...\(Self.dynamicProgrammingLimit) environments")
        let lastSlots = variant.span == .consecutive ? n : 1
        let states = (1 << n) * lastSlots
        // Per state, up to k (cost, order) entries sorted by `precedes`; orders are prefixes.
        var table = [[(cost: Double, order: [Int])]](repeating: [], count: states)
        func slot(_ mask: Int, _ last: Int) -> Int { mask * lastSlots + (lastSlots == 1 ? 0 : last) }
        func insert(_ e: (cost: Double, order: [Int]), _ s: Int) {
            if table[s].count == k, let worst = table[s].last, !Self.precedes(e, worst) { return }
            let at = table[s].firstIndex { Self.precedes(e, $0) } ?? table[s].count
            table[s].insert(e, at: at)
            if table[s].count > k { table[s].removeLast() }
        }
        for a in 0..<n { insert((0, [a]), slot(1 << a, a)) }
        for mask in 1..<(1 << n) {
            for last in 0..<lastSlots where lastSlots == 1 || mask & (1 << last) != 0 {
                for e in table[slot(mask, last)] {
                    let tail = e.order.last!
                    for b in 0..<n where mask & (1 << b) == 0 {
                        let c = e.cost + increment(earlierMask: UInt32(mask), last: tail, next: b)
                        insert((c, e.order + [b]), slot(mask | (1 << b), b))
                    }
                }
                if mask != (1 << n) - 1 { table[slot(mask, last)] = [] }
            }
        }
        let full = (1 << n) - 1
        let finals = (0..<lastSlots).flatMap { table[slot(full, $0)] }.sorted(by: Self.precedes).prefix(k)
        return finals.enumerated().map { RankedOrder(order: $1.order, cost: $1.cost, position: $0 + 1) }
    }

    /// The heuristic for more than `dynamicProgrammingLimit` environments: from every start
    /// environment, append the cheapest next environment (ties to the lower index), then move
    /// single environments to other positions while that lowers the cost (first improvement,
    /// scanning positions in order), until no move does. The distinct local optima, cheapest
    /// first, up to `k`. Not guaranteed to find the cheapest order.
    public func cheapestByHeuristic(_ k: Int) -> [RankedOrder] {
        let n = count
        var found: [(cost: Double, order: [Int])] = []
        for start in 0..<n {
            var order = [start], used: UInt32 = 1 << UInt32(start)
            while order.count < n {
                var best = -1, bestInc = Double.infinity
                for b in 0..<n where used & (1 << UInt32(b)) == 0 {
                    let inc = increment(earlierMask: used, last: order.last!, next: b)
                    if inc < bestInc { best = b; bestInc = inc }
                }
                order.append(best); used |= 1 << UInt32(best)
            }
            var c = cost(order), improved = true
            while improved {
                improved = false
                search: for i in 0..<n {
                    for j in 0..<n where j != i {
                        var o = order
                        let x = o.remove(at: i)
                        o.insert(x, at: j)
                        let oc = cost(o)
                        if oc < c { order = o; c = oc; improved = true; break search }
                    }
                }
            }
            if !found.contains(where: { $0.order == order }) { found.append((c, order)) }
        }
        return found.sorted(by: Self.precedes).prefix(k).enumerated().map { RankedOrder(order: $1.order, cost: $1.cost, position: $0 + 1) }
    }

    /// The same cost with every weight negated: its cheapest orders are this one's dearest.
    var negated: OrderCost { OrderCost(environments: environments, weights: weights.map { $0.map { -$0 } }, variant: variant) }

    /// The ranking: every order for n ≤ `enumerationLimit`, otherwise the `top` cheapest and
    /// the `top` dearest (negation is exact in floating point, so the dearest are the cheapest
    /// of the negated weights with the same tie-break).
    public func ranking(top: Int) -> OrderRanking {
        precondition(count >= 2 && top >= 1)
        let total = (1...count).reduce(1.0) { $0 * Double($1) }
        if count <= Self.enumerationLimit {
            let all = enumerated()
            let dear = all.reversed().sorted { a, b in a.cost != b.cost ? a.cost > b.cost : a.order.lexicographicallyPrecedes(b.order) }
            return OrderRanking(environments: environments, variant: variant, method: .enumeration, cheapest: all,
                                dearest: dear.prefix(top).enumerated().map { RankedOrder(order: $1.order, cost: $1.cost, position: $0 + 1) },
                                orderCount: total)
        }
        let exact = count <= Self.dynamicProgrammingLimit
        let flip = { (r: RankedOrder) in RankedOrder(order: r.order, cost: -r.cost, position: r.position) }
        let cheap = exact ? cheapestByDynamicProgramming(top) : cheapestByHeuristic(top)
        let dear = (exact ? negated.cheapestByDynamicProgramming(top) : negated.cheapestByHeuristic(top)).map(flip)
        return OrderRanking(environments: environments, variant: variant, method: exact ? .dynamicProgramming : .heuristic,
                            cheapest: cheap, dearest: dear, orderCount: total)
    }
}
