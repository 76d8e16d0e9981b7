import Foundation

/// Measurements and checks of the BLAS in use, for `clvbench doctor` and the benchmarks.
public enum SgemmProbe {
    /// Single-call sgemm throughput at n x n x n, in GFLOP/s (2 n^3 flops a call), measured for
    /// at least `minSeconds` after one warm-up call. The best of three timing windows is
    /// reported, the usual way to read a noisy shared machine.
    public static func gflops(n: Int, minSeconds: Double = 0.3) -> Double {
        var rng = RandomStream(key: RandomKey("doctor", "sgemm", .int(n)))
        let a = rng.normalMatrix(rows: n, cols: n)
        let b = rng.normalMatrix(rows: n, cols: n)
        var c = Matrix(rows: n, cols: n)
        gemm(a, b, into: &c)
        var best = 0.0
        for _ in 0..<3 {
            var calls = 0
            let start = DispatchTime.now().uptimeNanoseconds
            var elapsed = 0.0
            repeat {
                gemm(a, b, into: &c)
                calls += 1
                elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            } while elapsed < minSeconds / 3
            best = max(best, 2.0 * Double(n * n * n) * Double(calls) / elapsed / 1e9)
        }
        return best
    }

    /// The product by three nested loops in Double: the reference every gemm is checked against.
    public static func naiveProduct(_ a: Matrix, _ ta: Transpose, _ b: Matrix, _ tb: Transpose) -> [[Double]] {
        let m = ta == .none ? a.rows : a.cols
        let k = ta == .none ? a.cols : a.rows
        let n = tb == .none ? b.cols : b.rows
        var out = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = ta == .none ? a[i, p] : a[p, i]
                    let y = tb == .none ? b[p, j] : b[j, p]
                    s += Double(x) * Double(y)
                }
                out[i][j] = s
            }
        }
        return out
    }

    /// Largest error of gemm against `naiveProduct` over all four transpose combinations on a
    /// few odd shapes, relative to the size of the terms summed (sum |a||b|).
    public static func correctnessError() -> Double {
        var rng = RandomStream(key: RandomKey("doctor", "sgemm-check"))
        var worst = 0.0
        for (m, k, n) in [(1, 1, 1), (37, 53, 29), (64, 7, 128)] {
            for ta in [Transpose.none, .transposed] {
                for tb in [Transpose.none, .transposed] {
                    let a = ta == .none ? rng.normalMatrix(rows: m, cols: k) : rng.normalMatrix(rows: k, cols: m)
                    let b = tb == .none ? rng.normalMatrix(rows: k, cols: n) : rng.normalMatrix(rows: n, cols: k)
                    let c = matmul(a, ta, b, tb)
                    let ref = naiveProduct(a, ta, b, tb)
                    let absA = a.map(abs), absB = b.map(abs)
                    let scale = naiveProduct(absA, ta, absB, tb)
                    for i in 0..<m {
                        for j in 0..<n {
                            let e = abs(Double(c[i, j]) - ref[i][j]) / max(scale[i][j], 1e-30)
                            worst = max(worst, e)
                        }
                    }
                }
            }
        }
        return worst
    }
}
