import Testing
@testable import Linalg

/// gemm against the naive triple loop, on shapes that catch stride and transpose mistakes.
struct GEMMTests {
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 7, 1), (7, 1, 5), (3, 4, 5), (64, 3, 2), (2, 3, 64), (33, 65, 17), (128, 16, 8),
    ]

    func random(_ r: Int, _ c: Int, _ rng: inout RandomStream) -> Matrix {
        rng.normalMatrix(rows: r, cols: c)
    }

    @Test(arguments: [Transpose.none, .transposed], [Transpose.none, .transposed])
    func matchesNaiveProduct(ta: Transpose, tb: Transpose) {
        var rng = RandomStream(key: RandomKey("test", "gemm"))
        for (m, k, n) in Self.shapes {
            let a = ta == .none ? random(m, k, &rng) : random(k, m, &rng)
            let b = tb == .none ? random(k, n, &rng) : random(n, k, &rng)
            let c = matmul(a, ta, b, tb)
            #expect(c.rows == m && c.cols == n)
            let ref = SgemmProbe.naiveProduct(a, ta, b, tb)
            for i in 0..<m {
                for j in 0..<n {
                    #expect(abs(Double(c[i, j]) - ref[i][j]) <= 1e-4 * Double(k).squareRoot() + 1e-5,
                            "shape \(m)x\(k)x\(n) at (\(i),\(j))")
                }
            }
        }
    }

    @Test func accumulatesWithAlphaAndBeta() {
        var rng = RandomStream(key: RandomKey("test", "gemm-acc"))
        let a = random(5, 6, &rng), b = random(7, 6, &rng)
        let c0 = random(5, 7, &rng)
        var c = c0
        gemm(a, .none, b, .transposed, into: &c, alpha: 0.5, beta: 2)
        let ref = SgemmProbe.naiveProduct(a, .none, b, .transposed)
        for i in 0..<5 {
            for j in 0..<7 {
                let want = 0.5 * ref[i][j] + 2 * Double(c0[i, j])
                #expect(abs(Double(c[i, j]) - want) < 1e-4)
            }
        }
    }

    @Test func handAndZeroInnerDimension() {
        let a = Matrix([[1, 2], [3, 4]])
        let b = Matrix([[5, 6], [7, 8]])
        #expect(matmul(a, b) == Matrix([[19, 22], [43, 50]]))
        #expect(matmul(a, .transposed, b) == Matrix([[26, 30], [38, 44]]))
        #expect(matmul(a, .none, b, .transposed) == Matrix([[17, 23], [39, 53]]))
        var c = Matrix(rows: 2, cols: 3, repeating: 4)
        gemm(Matrix(rows: 2, cols: 0), Matrix(rows: 0, cols: 3), into: &c, beta: 0.5)
        #expect(c == Matrix(rows: 2, cols: 3, repeating: 2))
    }

    @Test func probeReportsSmallError() {
        #expect(SgemmProbe.correctnessError() < 1e-5)
    }
}
