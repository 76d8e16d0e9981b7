/// Exact Shapley values of a cooperative game with a few players.
///
/// `value(S)` is the worth of coalition S, given as a bit mask over players (bit g = player g).
/// With 2 or 3 players (parameter groups: vision, language, shared) enumerating all 2^n
/// coalitions is exact and cheap. The values sum to value(all) - value(none) (efficiency).
public func shapleyValues(players: Int, value: (Int) -> Double) -> [Double] {
    precondition(players >= 1 && players <= 16, "exact Shapley values for 1...16 players")
    let full = 1 << players
    var worth = [Double](repeating: 0, count: full)
    for s in 0..<full { worth[s] = value(s) }
    // weight(|S|) = |S|! (n - |S| - 1)! / n!
    var factorial = [Double](repeating: 1, count: players + 1)
    for i in 1...players { factorial[i] = factorial[i - 1] * Double(i) }
    var phi = [Double](repeating: 0, count: players)
    for g in 0..<players {
        let bit = 1 << g
        for s in 0..<full where s & bit == 0 {
            let size = s.nonzeroBitCount
            let w = factorial[size] * factorial[players - size - 1] / factorial[players]
            phi[g] += w * (worth[s | bit] - worth[s])
        }
    }
    return phi
}
