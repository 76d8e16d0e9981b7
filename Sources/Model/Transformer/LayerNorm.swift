import Foundation
import Linalg

/// Layer normalisation over each row: y = (x - mean) / sqrt(var + epsilon) * gamma + beta,
/// with the biased variance (as PyTorch and BERT). Statistics are accumulated in Float with a
/// two-pass mean and variance, which stays accurate for rows of a few thousand values.
public struct LayerNorm: Sendable, Equatable, NamedParameters {
    public var gamma: Matrix  // 1 x width
    public var beta: Matrix   // 1 x width
    public var epsilon: Float

    /// gamma = 1, beta = 0. BERT uses epsilon 1e-12, ViT 1e-6.
    public init(width: Int, epsilon: Float) {
        gamma = Matrix(rows: 1, cols: width, repeating: 1)
        beta = Matrix(rows: 1, cols: width)
        self.epsilon = epsilon
    }

    public init(gamma: Matrix, beta: Matrix, epsilon: Float) {
        precondition(gamma.rows == 1 && beta.rows == 1 && gamma.cols == beta.cols, "LayerNorm: gamma and beta must be 1 x width")
        self.gamma = gamma
        self.beta = beta
        self.epsilon = epsilon
    }

    public var width: Int { gamma.cols }

    public mutating func forEachTensor(prefix: String, _ body: (String, inout Matrix) -> Void) {
        body(prefix + "gamma", &gamma)
        body(prefix + "beta", &beta)
    }

    /// What backward needs besides the input: each row's mean and 1 / standard deviation.
    public struct Trace: Sendable {
        var mean: [Float]
        var rstd: [Float]
    }

    public func forward(_ x: Matrix) -> (y: Matrix, trace: Trace) {
        precondition(x.cols == width, "LayerNorm: input has \(x.cols) columns, the layer \(width)")
        let n = x.cols
        var y = Matrix(rows: x.rows, cols: n)
        var mean = [Float](repeating: 0, count: x.rows), rstd = mean
        x.storage.withUnsafeBufferPointer { xs in
            y.storage.withUnsafeMutableBufferPointer { ys in
                gamma.storage.withUnsafeBufferPointer { g in
                    beta.storage.withUnsafeBufferPointer { b in
                        for r in 0..<x.rows {
                            let base = r * n
                            var s: Float = 0
                            for j in 0..<n { s += xs[base + j] }
                            let m = s / Float(n)
                            var v: Float = 0
                            for j in 0..<n { let d = xs[base + j] - m; v += d * d }
                            let rs = 1 / (v / Float(n) + epsilon).squareRoot()
                            mean[r] = m
                            rstd[r] = rs
                            for j in 0..<n { ys[base + j] = (xs[base + j] - m) * rs * g[j] + b[j] }
                        }
                    }
                }
            }
        }
        return (y, Trace(mean: mean, rstd: rstd))
    }

    /// Adds dL/dgamma and dL/dbeta into `grad` and returns dL/dx:
    /// dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy * gamma.
    public func backward(_ dy: Matrix, input x: Matrix, trace t: Trace, grad: inout LayerNorm) -> Matrix {
        precondition(dy.rows == x.rows && dy.cols == x.cols, "LayerNorm.backward: shapes differ")
        let n = x.cols
        var dx = Matrix(rows: x.rows, cols: n)
        var xhat = [Float](repeating: 0, count: n), g = xhat
        for r in 0..<x.rows {
            let base = r * n
            var sg: Float = 0, sgx: Float = 0
            for j in 0..<n {
                let xh = (x.storage[base + j] - t.mean[r]) * t.rstd[r]
                let gj = dy.storage[base + j] * gamma.storage[j]
                xhat[j] = xh
                g[j] = gj
                sg += gj
                sgx += gj * xh
                grad.gamma.storage[j] += dy.storage[base + j] * xh
                grad.beta.storage[j] += dy.storage[base + j]
            }
            let mg = sg / Float(n), mgx = sgx / Float(n)
            for j in 0..<n { dx.storage[base + j] = t.rstd[r] * (g[j] - mg - xhat[j] * mgx) }
        }
        return dx
    }
}
