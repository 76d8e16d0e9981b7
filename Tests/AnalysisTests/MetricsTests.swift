import Testing
@testable import Analysis

struct MetricsTests {
    /// The oracle of issue 5: T = 3, row 0 = pretrained.
    static let oracle: [[Double]] = [[0.1, 0.1, 0.1], [0.9, 0.2, 0.1], [0.7, 0.8, 0.3], [0.6, 0.5, 0.9]]

    func value(_ m: [ContinualMetric: MetricValue], _ k: ContinualMetric) -> Double { m[k]!.number! }

    @Test func handComputedOracle() throws {
        let m = continualMetrics(try AccuracyMatrix(values: Self.oracle))
        #expect(abs(value(m, .last) - 0.666_667) < 1e-5)
        #expect(abs(value(m, .avg) - 0.555_556) < 1e-5)
        #expect(abs(value(m, .bwt) - -0.30) < 1e-9)
        #expect(abs(value(m, .forgetting) - 0.30) < 1e-9)
        #expect(abs(value(m, .fwt) - 0.15) < 1e-9)
        #expect(abs(value(m, .la) - 0.866_667) < 1e-5)
        #expect(abs(value(m, .transfer) - 0.20) < 1e-9)
        #expect(m[.generalization] == .unavailable("needs held-out environments"))
    }

    @Test func withoutBaselineRowMetricsThatNeedItAreUnavailable() throws {
        let m = continualMetrics(try AccuracyMatrix(values: Array(Self.oracle.dropFirst()), hasBaseline: false))
        #expect(abs(value(m, .last) - 0.666_667) < 1e-5)
        #expect(abs(value(m, .forgetting) - 0.30) < 1e-9)
        #expect(abs(value(m, .transfer) - 0.20) < 1e-9)
        #expect(m[.fwt]?.number == nil)
    }

    @Test func heldOutGeneralization() throws {
        // Two trained, one held-out column: pretrained 0.5 on it, final 0.4.
        let r: [[Double]] = [[0.2, 0.3, 0.5], [0.8, 0.4, 0.45], [0.6, 0.9, 0.4]]
        let m = continualMetrics(try AccuracyMatrix(values: r, heldOutCount: 1))
        #expect(abs(value(m, .generalization) - 0.4) < 1e-12)
        #expect(abs(value(m, .generalizationChange) - -0.1) < 1e-12)
        #expect(abs(value(m, .last) - 0.75) < 1e-12)
        // Forgetting over j = 1 only: max(R[1][1]) - R[2][1] = 0.8 - 0.6.
        #expect(abs(value(m, .forgetting) - 0.2) < 1e-12)
        #expect(abs(value(m, .fwt) - (0.4 - 0.3)) < 1e-12)
    }

    /// Brute-force definitions in 0-based loops on a random matrix, against the implementation.
    @Test func agreesWithLoopDefinitionsOnRandomMatrices() throws {
        var seed: UInt64 = 42
        func rnd() -> Double { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Double(seed >> 11) / Double(1 << 53) }
        for t in 2...6 {
            let r = (0...t).map { _ in (0..<t).map { _ in rnd() } }
            let m = continualMetrics(try AccuracyMatrix(values: r))
            var bwt = 0.0, fgt = 0.0, fwt = 0.0
            for j in 1..<t {  // environment j (1-based) sits in column j-1
                bwt += r[t][j - 1] - r[j][j - 1]
                var best = -1.0
                for l in 1..<t { best = max(best, r[l][j - 1]) }
                fgt += best - r[t][j - 1]
            }
            for j in 2...t { fwt += r[j - 1][j - 1] - r[0][j - 1] }
            #expect(abs(value(m, .bwt) - bwt / Double(t - 1)) < 1e-12)
            #expect(abs(value(m, .forgetting) - fgt / Double(t - 1)) < 1e-12)
            #expect(abs(value(m, .fwt) - fwt / Double(t - 1)) < 1e-12)
        }
    }

    @Test func singleEnvironmentAndDirections() throws {
        let m = continualMetrics(try AccuracyMatrix(values: [[0.1], [0.9]]))
        #expect(value(m, .last) == 0.9)
        #expect(m[.bwt]?.number == nil && m[.forgetting]?.number == nil)
        #expect(ContinualMetric.forgetting.direction == .lowerIsBetter)
        #expect(ContinualMetric.bwt.direction == .higherIsBetter)
    }

    @Test func shapeErrors() {
        #expect(throws: AccuracyMatrix.ShapeError.ragged(row: 1, expected: 2, found: 1)) {
            try AccuracyMatrix(values: [[0.1, 0.2], [0.3]])
        }
        #expect(throws: AccuracyMatrix.ShapeError.wrongRowCount(expected: 3, found: 2, hasBaseline: true)) {
            try AccuracyMatrix(values: [[0.1, 0.2], [0.3, 0.4]])
        }
        #expect(throws: AccuracyMatrix.ShapeError.noTrainedEnvironments) {
            try AccuracyMatrix(values: [[0.1]], heldOutCount: 1)
        }
    }
}

struct AccuracyCSVTests {
    @Test func fractionsWithHeader() throws {
        let csv = "env-a, env-b\n0.1,0.2\n0.9,0.3\n0.8,0.95\n"
        let p = try AccuracyCSV.parse(csv)
        #expect(p.header == ["env-a", "env-b"])
        #expect(p.scale == .fraction)
        #expect(p.matrix.values[2] == [0.8, 0.95])
    }

    @Test func percentagesAreDetectedAndScaled() throws {
        let p = try AccuracyCSV.parse("10,20\r\n90,30\r\n80,95\r\n")
        #expect(p.scale == .percent)
        #expect(abs(p.matrix.values[2][1] - 0.95) < 1e-12)
        let zeros = try AccuracyCSV.parse("0,0\n100,0\n0,100\n")
        #expect(zeros.scale == .percent)
    }

    @Test(arguments: [
        ("0.1,0.2\n0.3\n0.5,0.6\n", "line 2: 1 values, expected 2"),
        ("0.1,0.2\n0.3,abc\n0.5,0.6\n", "line 2: column 2: 'abc' is not a number"),
        ("0.1,0.2\n0.3,-0.1\n0.5,0.6\n", "line 2: column 2: -0.1 is negative"),
        ("a,b\n10,20\n30,101\n50,60\n", "line 3: column 2: 101 is over 100"),
        ("10,20\n30,0.85\n50,60\n", "line 2: '0.85' looks like a fraction"),
        ("0.1,0.2\n0.3,0.4\n", "2 rows for 2 trained environments; expected 3"),
        ("", "no rows"),
        ("0.1,nan\n0.3,0.4\n0.5,0.6\n", "line 1: column 2: 'nan' is not a number"),
    ])
    func errorsNameTheLine(csv: String, message: String) {
        do {
            _ = try AccuracyCSV.parse(csv)
            Issue.record("expected an error containing \(message)")
        } catch {
            #expect("\(error)".contains(message), "got: \(error)")
        }
    }
}
