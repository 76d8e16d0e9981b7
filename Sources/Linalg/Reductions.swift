/// Sums and means along rows or columns. Accumulation is in Double so that long reductions
/// (means over thousands of embeddings) do not lose digits, and results do not depend on batch size.
extension Matrix {
    /// Sum of every element.
    public func sum() -> Double {
        var s = 0.0
        for v in storage { s += Double(v) }
        return s
    }

    public func mean() -> Double { count == 0 ? .nan : sum() / Double(count) }

    /// One value per row: the sum over its columns.
    public func rowSums() -> [Float] {
        var out = [Float](repeating: 0, count: rows)
        for i in 0..<rows {
            var s = 0.0
            for j in 0..<cols { s += Double(storage[i * cols + j]) }
            out[i] = Float(s)
        }
        return out
    }

    /// One value per column: the sum over its rows (a bias gradient).
    public func columnSums() -> [Float] {
        var acc = [Double](repeating: 0, count: cols)
        for i in 0..<rows {
            let base = i * cols
            for j in 0..<cols { acc[j] += Double(storage[base + j]) }
        }
        return acc.map { Float($0) }
    }

    public func columnMeans() -> [Float] {
        precondition(rows > 0, "columnMeans of a matrix with no rows")
        let n = Double(rows)
        var acc = [Double](repeating: 0, count: cols)
        for i in 0..<rows {
            let base = i * cols
            for j in 0..<cols { acc[j] += Double(storage[base + j]) }
        }
        return acc.map { Float($0 / n) }
    }

    /// Column index of each row's largest value (first one on ties).
    public func rowArgmax() -> [Int] {
        (0..<rows).map { i in
            var best = 0
            var bestValue = -Float.infinity
            for j in 0..<cols where storage[i * cols + j] > bestValue {
                bestValue = storage[i * cols + j]
                best = j
            }
            return best
        }
    }

    public func rowMax() -> [Float] {
        (0..<rows).map { i in
            var m = -Float.infinity
            for j in 0..<cols { m = Swift.max(m, storage[i * cols + j]) }
            return m
        }
    }
}
