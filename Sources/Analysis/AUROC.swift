/// Area under the ROC curve of a detector whose score is higher for in-distribution inputs:
/// P(S_in > S_out) + P(S_in = S_out) / 2 over independent draws, the Mann-Whitney statistic
/// U / (n_in n_out). Counted exactly: ties within a group of equal scores count half, and the
/// count is kept in integers (twice U) so no rounding enters before the final division.
public enum AUROC {
    public static func mannWhitney(inDistribution: [Double], outOfDistribution: [Double]) -> Double {
        precondition(!inDistribution.isEmpty && !outOfDistribution.isEmpty, "AUROC needs scores on both sides")
        precondition(inDistribution.allSatisfy { !$0.isNaN } && outOfDistribution.allSatisfy { !$0.isNaN },
                     "AUROC of a NaN score")
        // Pooled scores, each tagged in (true) or out (false), ascending.
        let pooled = (inDistribution.map { ($0, true) } + outOfDistribution.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var twiceU = 0  // 2 U: each in-score beating an out-score counts 2, each tie 1
        var outBelow = 0
        var i = 0
        while i < pooled.count {
            var j = i, inTied = 0, outTied = 0
            while j < pooled.count && pooled[j].0 == pooled[i].0 {
                if pooled[j].1 { inTied += 1 } else { outTied += 1 }
                j += 1
            }
            twiceU += inTied * (2 * outBelow + outTied)
            outBelow += outTied
            i = j
        }
        return Double(twiceU) / (2 * Double(inDistribution.count) * Double(outOfDistribution.count))
    }
}
