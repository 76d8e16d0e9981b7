import Foundation
import Linalg
import Testing
@testable import Analysis

/// Order costs and rankings (the paper's T3) against hand-computed values and brute force.
struct OrderCostTests {
    /// Every permutation by recursion (independent of OrderCost.permutations).
    func naivePermutations(_ items: [Int]) -> [[Int]] {
        if items.count <= 1 { return [items] }
        return items.flatMap { x in naivePermutations(items.filter { $0 != x }).map { [x] + $0 } }
    }

    /// The definitions, summed naively.
    func naiveCost(_ w: [[Double]], _ o: [Int], _ span: OrderCostSpan) -> Double {
        var s = 0.0
        for l in 1..<o.count {
            switch span {
            case .consecutive: s += w[o[l - 1]][o[l]]
            case .allEarlier: for k in 0..<l { s += w[o[k]][o[l]] }
            }
        }
        return s
    }

    func randomWeights(_ n: Int, _ key: String, integers: Bool = false) -> [[Double]] {
        var r = RandomStream(key: RandomKey("order-cost", .string(key)))
        return (0..<n).map { _ in (0..<n).map { _ in integers ? Double(Int(r.uniformDouble() * 3)) : r.uniformDouble() } }
    }

    /// Brute force ranking: every order, sorted by (cost, lexicographic order of indices).
    func bruteForce(_ w: [[Double]], _ span: OrderCostSpan) -> [(order: [Int], cost: Double)] {
        naivePermutations(Array(0..<w.count)).map { ($0, naiveCost(w, $0, span)) }.sorted { a, b in
            a.cost != b.cost ? a.cost < b.cost : a.order.lexicographicallyPrecedes(b.order)
        }
    }

    func cost(_ w: [[Double]], _ span: OrderCostSpan) -> OrderCost {
        OrderCost(environments: w.indices.map { "e\($0)" }, weights: w, variant: OrderCostVariant(term: .imageToText, span: span))
    }

    @Test func handComputedThreeEnvironments() {
        // w[a][b]: a before b.
        let w: [[Double]] = [[0, 1, 2], [3, 0, 4], [5, 6, 0]]
        let c = cost(w, .consecutive), a = cost(w, .allEarlier)
        #expect(c.cost([0, 1, 2]) == 1 + 4)
        #expect(c.cost([2, 1, 0]) == 6 + 3)
        #expect(c.cost([1, 0, 2]) == 3 + 2)
        #expect(a.cost([0, 1, 2]) == 1 + 2 + 4)
        #expect(a.cost([2, 0, 1]) == 5 + 6 + 1)
        // Consecutive: 012 = 5, 021 = 8, 102 = 5, 120 = 9, 201 = 6, 210 = 9; ties 012 < 102, 120 < 210.
        #expect(c.enumerated().map(\.order) == [[0, 1, 2], [1, 0, 2], [2, 0, 1], [0, 2, 1], [1, 2, 0], [2, 1, 0]])
        #expect(c.enumerated().map(\.position) == [1, 2, 3, 4, 5, 6])
        let r = c.ranking(top: 2)
        #expect(r.recommended.order == [0, 1, 2])
        #expect(r.dearest.map(\.order) == [[1, 2, 0], [2, 1, 0]])
        #expect(r.method == .enumeration && r.orderCount == 6)
    }

    @Test func enumerationMatchesBruteForceIncludingTies() {
        for n in 2...6 {
            for span in OrderCostSpan.allCases {
                for integers in [false, true] {
                    let w = randomWeights(n, "enum \(n) \(integers)", integers: integers)
                    let got = cost(w, span).enumerated(), want = bruteForce(w, span)
                    #expect(got.count == want.count)
                    for (g, e) in zip(got, want) {
                        #expect(abs(g.cost - e.cost) < 1e-12)
                        // With integer weights the sums are exact, so ties are real and the tie-break decides.
                        if integers { #expect(g.order == e.order) }
                    }
                    if !integers { #expect(Set(got.map(\.order)) == Set(want.map(\.order))) }
                }
            }
        }
        // Every order ties: the ranking is the lexicographic order.
        let flat = cost([[Double]](repeating: [Double](repeating: 1, count: 4), count: 4), .consecutive)
        #expect(flat.enumerated().map(\.order) == naivePermutations([0, 1, 2, 3]))
    }

    @Test func dynamicProgramEqualsBruteForceForSixToEightEnvironments() {
        for n in 6...8 {
            for span in OrderCostSpan.allCases {
                for integers in [false, true] {
                    let w = randomWeights(n, "dp \(n) \(span) \(integers)", integers: integers)
                    let c = cost(w, span)
                    let all = c.enumerated()
                    for k in [1, 10, 50] {
                        let dp = c.cheapestByDynamicProgramming(k)
                        #expect(dp.count == k)
                        #expect(dp.map(\.order) == all.prefix(k).map(\.order), "n \(n) \(span) integers \(integers) k \(k)")
                        #expect(dp.map(\.cost) == all.prefix(k).map(\.cost))
                        for d in dp { #expect(abs(d.cost - naiveCost(w, d.order, span)) < 1e-12) }
                    }
                    // The dearest by DP on negated weights equal the brute force's last ones.
                    let want = bruteForce(w, span)
                    let dear = c.negated.cheapestByDynamicProgramming(3).map { -$0.cost }
                    #expect(zip(dear, want.reversed().prefix(3).map(\.cost)).allSatisfy { abs($0 - $1) < 1e-12 })
                }
            }
        }
        // The whole ranking of 6 environments by DP.
        let w = randomWeights(6, "dp-full", integers: true)
        #expect(cost(w, .consecutive).cheapestByDynamicProgramming(720).map(\.order) == bruteForce(w, .consecutive).map(\.order))
    }

    @Test func beyondEnumerationTheRankingUsesTheDynamicProgram() {
        let w = randomWeights(9, "nine")
        let r = cost(w, .consecutive).ranking(top: 5)
        #expect(r.method == .dynamicProgramming)
        #expect(r.cheapest.count == 5 && r.dearest.count == 5)
        #expect(r.orderCount == 362_880)
        // No single move of one environment improves the best order, nor worsens the dearest.
        let c = cost(w, .consecutive)
        for i in 0..<9 {
            for j in 0..<9 where j != i {
                var o = r.recommended.order
                o.insert(o.remove(at: i), at: j)
                #expect(c.cost(o) >= r.recommended.cost)
                var d = r.dearest[0].order
                d.insert(d.remove(at: i), at: j)
                #expect(c.cost(d) <= r.dearest[0].cost)
            }
        }
        #expect(zip(r.cheapest, r.cheapest.dropFirst()).allSatisfy { $0.cost <= $1.cost })
    }

    @Test func heuristicFindsAPlantedChainAndValidOrders() {
        // A planted path 3 → 0 → 5 → ... of weight 0, every other pair 1: the optimum costs 0.
        let n = 15
        let chain = [3, 0, 5, 14, 1, 7, 9, 2, 12, 4, 6, 13, 8, 11, 10]
        var w = [[Double]](repeating: [Double](repeating: 1, count: n), count: n)
        for k in 1..<n { w[chain[k - 1]][chain[k]] = 0 }
        let r = cost(w, .consecutive).ranking(top: 3)
        #expect(r.method == .heuristic)
        #expect(r.recommended.order == chain && r.recommended.cost == 0)
        // On random weights: permutations whose stated costs are their costs, and no better than the DP optimum (n = 8).
        let w8 = randomWeights(8, "heuristic")
        for span in OrderCostSpan.allCases {
            let c = cost(w8, span)
            let best = c.cheapestByDynamicProgramming(1)[0].cost
            for h in c.cheapestByHeuristic(4) {
                #expect(h.order.sorted() == Array(0..<8))
                #expect(abs(h.cost - naiveCost(w8, h.order, span)) < 1e-12)
                #expect(h.cost >= best)
            }
        }
    }

    @Test func variantsReadTheRightScores() {
        let s = [([[1, 0, 0], [0.6, 0.8, 0]], [[0, 1, 0], [0, 0.6, 0.8]]),
                 ([[0.5, 0.5, 0], [0, 1, 0]], [[0, 0, 1], [1, 0, 0]]),
                 ([[0, 0.2, 0.4], [0.3, 0.3, 0.3]], [[0.3, 0, 0.1], [0, 1, 1]])].map { (v: [[Float]], u: [[Float]]) in
            EmbeddingSummary(EnvironmentEmbeddings(images: Matrix(v), captions: Matrix(u)))
        }
        let con = ConScores(environments: ["a", "b", "c"], summaries: s)
        func dot(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } }
        let order = [2, 0, 1]
        for v in OrderCostVariant.all {
            func w(_ a: Int, _ b: Int) -> Double {
                switch v.term {
                case .imageToText: dot(s[a].imageMean, s[b].captionMean)
                case .textToImage: dot(s[a].captionMean, s[b].imageMean)
                case .symmetric: dot(s[a].imageMean, s[b].captionMean) + dot(s[a].captionMean, s[b].imageMean)
                case .intraModal: dot(s[a].imageMean, s[b].imageMean) + dot(s[a].captionMean, s[b].captionMean)
                }
            }
            let want = v.span == .consecutive ? w(2, 0) + w(0, 1) : w(2, 0) + w(2, 1) + w(0, 1)
            #expect(abs(OrderCost(scores: con, variant: v).cost(order) - want) < 1e-6, "\(v)")
            #expect(OrderCostVariant(name: v.name) == v)
        }
        #expect(OrderCostVariant.all.map(\.name) == ["i2t", "t2i", "symmetric", "intra", "all-i2t", "all-t2i", "all-symmetric", "all-intra"])
        #expect(OrderCostVariant(name: "i2") == nil)
    }
}
