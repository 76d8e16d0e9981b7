import Foundation
import Linalg

/// GELU in its exact erf form, as BERT uses it: gelu(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.
/// Its derivative is Phi(x) + x phi(x), with phi the standard normal density.
public enum GELU {
    static let invSqrt2: Float = 0.70710678118654752
    static let invSqrt2Pi: Float = 0.39894228040143268

    public static func forward(_ x: Matrix) -> Matrix {
        var y = x
        y.storage.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { let v = p[i]; p[i] = 0.5 * v * (1 + erff(v * invSqrt2)) }
        }
        return y
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
