import Foundation

/// Row-wise softmax and log-softmax, stable for large inputs: the row maximum is subtracted
/// before exponentiation, so logits of 1e4 give finite results instead of inf/inf.
extension Matrix {
    public func softmaxRows() -> Matrix {
        var out = self
        for i in 0..<rows {
            let base = i * cols
            var m = -Float.infinity
            for j in 0..<cols { m = Swift.max(m, storage[base + j]) }
            var s: Float = 0
            for j in 0..<cols {
                let e = expf(storage[base + j] - m)
                out.storage[base + j] = e
                s += e
            }
            let inv = 1 / s
            for j in 0..<cols { out.storage[base + j] *= inv }
        }
        return out
    }

    public func logSoftmaxRows() -> Matrix {
        var out = self
        for i in 0..<rows {
            let base = i * cols
            var m = -Float.infinity
            for j in 0..<cols { m = Swift.max(m, storage[base + j]) }
            var s: Float = 0
            for j in 0..<cols { s += expf(storage[base + j] - m) }
            let lse = m + logf(s)
            for j in 0..<cols { out.storage[base + j] = storage[base + j] - lse }
        }
        return out
    }
}
