/// Small descriptive statistics used on every page.
public enum Descriptive {
    public static func mean(_ x: [Double]) -> Double {
        x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
    }

    /// Sample variance (n - 1 in the denominator).
    public static func variance(_ x: [Double]) -> Double {
        guard x.count > 1 else { return 0 }
        let m = mean(x)
        return x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)
    }

    /// Linear-interpolation quantile (numpy's default, "type 7").
    public static func quantile(_ x: [Double], _ q: Double, alreadySorted: Bool = false) -> Double {
        precondition(!x.isEmpty, "quantile of no values")
        let s = alreadySorted ? x : x.sorted()
        let h = Double(s.count - 1) * q
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, s.count - 1)
        return s[lo] + (h - Double(lo)) * (s[hi] - s[lo])
    }

    public static func median(_ x: [Double]) -> Double { quantile(x, 0.5) }

    /// Interquartile mean: the mean after cutting floor(n/4) values from each end
    /// (scipy.stats.trim_mean(x, 0.25), as rliable uses it).
    public static func iqm(_ x: [Double]) -> Double {
        precondition(!x.isEmpty, "IQM of no values")
        let s = x.sorted()
        let cut = s.count / 4
        return mean(Array(s[cut..<(s.count - cut)]))
    }

    /// Ranks 1..n with ties given their average rank.
    public static func ranks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var r = [Double](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
            let avg = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = avg }
            i = j + 1
        }
        return r
    }

    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count && x.count > 1, "pearson needs two equal-length series")
        let mx = mean(x), my = mean(y)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            sxy += (x[i] - mx) * (y[i] - my)
            sxx += (x[i] - mx) * (x[i] - mx)
            syy += (y[i] - my) * (y[i] - my)
        }
        return sxx == 0 || syy == 0 ? .nan : sxy / (sxx * syy).squareRoot()
    }

    /// Spearman's rho: Pearson correlation of the ranks.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        pearson(ranks(x), ranks(y))
    }
}
