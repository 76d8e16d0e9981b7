import Foundation
import Linalg

/// GELU in its exact erf form, as BERT uses it: gelu(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.
/// Its derivative is Phi(x) + x phi(x), with phi the standard normal density.
///
/// The forward pass evaluates erf eight lanes at a time with a rational approximation
/// (`erf8`), because the libm call per element cost 15% of MiniLM's forward
/// (docs/performance.md); the backward pass, used only when layers are tuned, calls libm.
public enum GELU {
    static let invSqrt2: Float = 0.70710678118654752
    static let invSqrt2Pi: Float = 0.39894228040143268

    public static func forward(_ x: Matrix) -> Matrix {
        var y = x
        y.storage.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            var i = 0
            while i + 8 <= p.count {
                let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<Float>.self)
                let g = 0.5 * v * (1 + erf8(v * invSqrt2))
                UnsafeMutableRawPointer(base + i).storeBytes(of: g, as: SIMD8<Float>.self)
                i += 8
            }
            while i < p.count {
                let v = SIMD8<Float>(repeating: p[i])
                p[i] = (0.5 * v * (1 + erf8(v * invSqrt2)))[0]
                i += 1
            }
        }
        return y
    }

    /// erf(x) = x P(x^2) / Q(x^2) on [-4, 4] (x clamped there; |erf(4)| = 1 - 1.5e-8), with P and
    /// Q of degree 5 fitted by iteratively reweighted least squares to scipy's erf; measured in
    /// Float32 over [-5, 5] the absolute error is below 4e-7 (`GELUTests` checks it against libm's
    /// erff). NaN propagates.
    @inline(__always)
    static func erf8(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let c = x.replacing(with: 4, where: x .> 4).replacing(with: -4, where: x .< -4)
        let t = c * c
        var p = SIMD8<Float>(repeating: 2.0094671526749153e-06)
        p = p * t + 0.0002863375993911177
        p = p * t + 0.0038846652023494244
        p = p * t + 0.05310223251581192
        p = p * t + 0.1933402717113495
        p = p * t + 1.128378987312317
        var q = SIMD8<Float>(repeating: 3.775189179577865e-05)
        q = q * t + 0.0011893579503521323
        q = q * t + 0.015204926021397114
        q = q * t + 0.11529164761304855
        q = q * t + 0.5046750903129578
        q = q * t + 1
        return c * p / q
    }

    /// dL/dx from dL/dy and the layer's input.
    public static func backward(_ dy: Matrix, input x: Matrix) -> Matrix {
        precondition(dy.rows == x.rows && dy.cols == x.cols, "GELU.backward: shapes differ")
        var dx = dy
        x.storage.withUnsafeBufferPointer { xs in
            dx.storage.withUnsafeMutableBufferPointer { d in
                for i in 0..<d.count {
                    let v = xs[i]
                    let cdf = 0.5 * (1 + erff(v * invSqrt2))
                    let pdf = invSqrt2Pi * expf(-0.5 * v * v)
                    d[i] *= cdf + v * pdf
                }
            }
        }
        return dx
    }
}
