import Linalg

/// An affine layer y = x W + b, with W stored (inputs x outputs) so the forward pass is one
/// plain gemm.
public struct Linear: Sendable, Equatable {
    public var weight: Matrix
    public var bias: Matrix  // 1 x outputs

    public init(inputs: Int, outputs: Int, rng: inout RandomStream) {
        // He initialisation for the ReLU layers that follow.
        weight = rng.normalMatrix(rows: inputs, cols: outputs, std: (2 / Float(inputs)).squareRoot())
        bias = Matrix(rows: 1, cols: outputs)
    }

    public init(weight: Matrix, bias: Matrix) {
        self.weight = weight
        self.bias = bias
    }

    public func forward(_ x: Matrix) -> Matrix {
        var y = Matrix(rows: x.rows, cols: weight.cols)
        gemm(x, weight, into: &y)
        y.addRowVector(bias.storage)
        return y
    }

    /// Given dL/dy, adds dL/dW and dL/db into `grad` and returns dL/dx (nil when not needed).
    public func backward(_ dy: Matrix, input x: Matrix, grad: inout Linear, needInputGradient: Bool = true) -> Matrix? {
        gemm(x, .transposed, dy, .none, into: &grad.weight, beta: 1)
        let db = dy.columnSums()
        for j in 0..<db.count { grad.bias.storage[j] += db[j] }
        guard needInputGradient else { return nil }
        var dx = Matrix(rows: dy.rows, cols: weight.rows)
        gemm(dy, .none, weight, .transposed, into: &dx)
        return dx
    }
}

/// max(0, x) and its gradient (0 at the kink).
public enum ReLU {
    public static func forward(_ x: Matrix) -> Matrix {
        var y = x
        // A select, not a conditional store, so the loop vectorises; NaN and -0 pass through.
        y.storage.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = p[i] < 0 ? 0 : p[i] } }
        return y
    }

    /// dL/dx from dL/dy and the layer's input.
    public static func backward(_ dy: Matrix, input x: Matrix) -> Matrix {
        precondition(dy.rows == x.rows && dy.cols == x.cols, "ReLU.backward: shapes differ")
        var dx = dy
        // Eight lanes by hand: with two buffers the compiler cannot rule out aliasing and keeps
        // the loop scalar and branchy.
        x.storage.withUnsafeBufferPointer { xs in
            dx.storage.withUnsafeMutableBufferPointer { ds in
                guard let xp = xs.baseAddress, let dp = ds.baseAddress else { return }
                var i = 0
                while i + 8 <= ds.count {
                    let xv = UnsafeRawPointer(xp + i).loadUnaligned(as: SIMD8<Float>.self)
                    let dv = UnsafeRawPointer(dp + i).loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(dp + i).storeBytes(of: dv.replacing(with: 0, where: xv .<= 0), as: SIMD8<Float>.self)
                    i += 8
                }
                while i < ds.count { dp[i] = xp[i] <= 0 ? 0 : dp[i]; i += 1 }
            }
        }
        return dx
    }
}

/// Rows divided by their norms; the backward pass removes the radial component:
/// dx = (dy - y (y . dy)) / |x|.
public enum L2Normalize {
    public static func forward(_ x: Matrix) -> (y: Matrix, norms: [Float]) {
        let r = x.l2NormalizedRows()
        return (r.normalized, r.norms)
    }

    public static func backward(_ dy: Matrix, output y: Matrix, norms: [Float]) -> Matrix {
        var dx = dy
        let c = y.cols
        for i in 0..<y.rows {
            var dot: Float = 0
            for j in 0..<c { dot += y.storage[i * c + j] * dy.storage[i * c + j] }
            let inv = 1 / norms[i]
            for j in 0..<c { dx.storage[i * c + j] = (dy.storage[i * c + j] - y.storage[i * c + j] * dot) * inv }
        }
        return dx
    }
}
