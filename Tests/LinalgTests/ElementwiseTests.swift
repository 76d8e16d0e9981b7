import Foundation
import Testing
@testable import Linalg

struct ElementwiseAndReductionTests {
    @Test func arithmeticMatchesLoops() {
        var rng = RandomStream(key: RandomKey("test", "elementwise"))
        let a = rng.normalMatrix(rows: 9, cols: 4), b = rng.normalMatrix(rows: 9, cols: 4)
        let s = a + b, d = a - b
        var h = a; h.multiply(by: b)
        var ax = a; ax.add(b, scale: -2.5)
        let sc = 3 * a
        for i in 0..<a.count {
            #expect(s.storage[i] == a.storage[i] + b.storage[i])
            #expect(d.storage[i] == a.storage[i] - b.storage[i])
            #expect(h.storage[i] == a.storage[i] * b.storage[i])
            #expect(ax.storage[i] == a.storage[i] + -2.5 * b.storage[i])
            #expect(sc.storage[i] == 3 * a.storage[i])
        }
        var bias = a
        bias.addRowVector([1, 2, 3, 4])
        #expect(bias[8, 3] == a[8, 3] + 4)
        #expect(bias[0, 0] == a[0, 0] + 1)
    }

    @Test func reductionsMatchLoops() {
        let m = Matrix([[1, -2, 3], [4, 5, -6]])
        #expect(m.sum() == 5)
        #expect(m.rowSums() == [2, 3])
        #expect(m.columnSums() == [5, 3, -3])
        #expect(m.columnMeans() == [2.5, 1.5, -1.5])
        #expect(m.rowArgmax() == [2, 1])
        #expect(m.rowMax() == [3, 5])
        #expect(m.transposed() == Matrix([[1, 4], [-2, 5], [3, -6]]))
        #expect(m.gatherRows([1, 1, 0]) == Matrix([[4, 5, -6], [4, 5, -6], [1, -2, 3]]))
        let tall = Matrix(rows: 1000, cols: 1, repeating: 0.1)
        #expect(abs(tall.sum() - 100) < 1e-4)
    }

    @Test func softmaxIsStableAndMatchesDoubleReference() {
        let m = Matrix([[1, 2, 3], [1e4, 1e4 - 1, -1e4], [-1e4, -1e4, -1e4], [0, 0, 88]])
        let p = m.softmaxRows(), lp = m.logSoftmaxRows()
        #expect(p.isFinite && lp.isFinite)
        for i in 0..<m.rows {
            let row = m.row(i).map(Double.init)
            let mx = row.max()!
            let lse = mx + Foundation.log(row.map { Foundation.exp($0 - mx) }.reduce(0, +))
            for j in 0..<m.cols {
                // Float32 spacing near 1e4 is 1e-3, so the tolerance scales with the input.
                #expect(abs(Double(lp[i, j]) - (row[j] - lse)) < 1e-6 * max(abs(row[j]), 1) + 1e-5)
                #expect(abs(Double(p[i, j]) - Foundation.exp(row[j] - lse)) < 1e-6)
            }
            #expect(abs(p.rowSums()[i] - 1) < 1e-6)
        }
    }

    @Test func l2NormalizationGivesUnitRows() {
        var rng = RandomStream(key: RandomKey("test", "l2"))
        let m = rng.normalMatrix(rows: 20, cols: 7, std: 5)
        let (u, norms) = m.l2NormalizedRows()
        for i in 0..<20 {
            let n = m.row(i).map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
            #expect(abs(Double(norms[i]) - n) < 1e-4 * n)
            let un = u.row(i).map { $0 * $0 }.reduce(0, +)
            #expect(abs(un - 1) < 1e-5)
        }
        let zero = Matrix(rows: 1, cols: 3).l2NormalizedRows()
        #expect(zero.normalized.isFinite)
    }
}
