extension Descriptive {
    /// Whether a series is constant up to rounding: its range is at most `relativeTolerance`
    /// times its largest magnitude (at least 1). A correlation with such a series is undefined;
    /// computed anyway, the rounding of its mean leaves a residue of about 1e-17 per value and
    /// Pearson comes out as a meaningless "0.000" (or any value, for Spearman of the residues).
    public static func isConstant(_ x: [Double], relativeTolerance: Double = 1e-12) -> Bool {
        guard let lo = x.min(), let hi = x.max() else { return true }
        return hi - lo <= relativeTolerance * max(1, abs(lo), abs(hi))
    }

    /// Pearson and Spearman of two series, NaN for both when either side is constant.
    public static func correlationsOrUndefined(_ x: [Double], _ y: [Double]) -> (pearson: Double, spearman: Double) {
        guard x.count > 1, !isConstant(x), !isConstant(y) else { return (.nan, .nan) }
        return (pearson(x, y), spearman(x, y))
    }
}
