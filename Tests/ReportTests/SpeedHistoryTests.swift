import Foundation
import ResultStore
import Linalg
import Testing
@testable import Report

struct SpeedHistoryTests {
    static func m(_ name: String, _ value: Double, commit: String, at: String, core: String = "Haswell", machine: String = "m1") -> BenchmarkMeasurement {
        BenchmarkMeasurement(name: name, value: value, unit: "steps/s", detail: "d", measuredAt: at, commit: commit, dirty: false,
                             machine: machine, openblasCore: core)
    }

    @Test func groupsByMachineAndCoreWithMediansPerVersion() {
        let h = SpeedHistory([
            Self.m("step", 10, commit: "b", at: "2026-01-02"), Self.m("step", 14, commit: "b", at: "2026-01-02"),
            Self.m("step", 11, commit: "b", at: "2026-01-02"),
            Self.m("step", 5, commit: "a", at: "2026-01-01"), Self.m("step", 7, commit: "a", at: "2026-01-01"),
            Self.m("gemm", 100, commit: "c", at: "2026-01-03"),
            Self.m("step", 99, commit: "a", at: "2026-01-01", core: "Cooperlake"),
        ])
        #expect(h.groups.map(\.openblasCore) == ["Cooperlake", "Haswell"])
        let g = h.groups[1]
        #expect(g.versions == ["a", "b", "c"])  // by first measurement, not by name or insertion
        #expect(g.series.map(\.name) == ["gemm", "step"])
        let step = g.series[1]
        #expect(step.median == [6, 11, nil])  // medians of {5, 7} and {10, 14, 11}
        #expect(step.low == [5, 10, nil] && step.high == [7, 14, nil])
        #expect(g.series[0].median == [nil, nil, 100])
        #expect(h.groups[0].series[0].median == [99])  // the other core is kept apart
    }

    /// A level shift in the medians is marked at the version where it happens, counted over the
    /// versions that measured the figure.
    @Test func changePointsIndexVersions() {
        var ms: [BenchmarkMeasurement] = []
        let levels: [Double] = [100, 101, 99, 100, 150, 151, 149, 150]
        for (i, v) in levels.enumerated() { ms.append(Self.m("step", v, commit: "v\(i)", at: "2026-01-0\(i + 1)")) }
        ms.append(Self.m("other", 1, commit: "v9", at: "2026-01-00"))  // a version before all, without "step"
        let g = SpeedHistory(ms).groups[0]
        #expect(g.versions.first == "v9")
        let step = g.series.first { $0.name == "step" }!
        #expect(step.changes == [5])  // v4 (index 5 once v9 comes first) starts the new level
        #expect(g.versions[step.changes[0]] == "v4")
    }
}

struct NumberFormatTests {
    /// The previous formatter (round, then Swift's shortest round-trip printing), as the oracle
    /// wherever it printed plain decimals.
    static func reference(_ v: Double, _ digits: Int) -> String {
        let scale = [1.0, 10, 100, 1000, 10_000, 100_000, 1_000_000][digits]
        let r = (v * scale).rounded() / scale
        if r == 0 { return "0" }
        var s = "\(r)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    @Test func matchesRoundingThenShortestPrinting() {
        var rng = RandomStream(key: RandomKey("fmt"))
        var checked = 0
        for k in 0..<200_000 {
            let magnitude = pow(10, Double(rng.uniform(-3, 7)))
            let v = (k % 2 == 0 ? 1 : -1) * magnitude * Double(rng.uniform())
            let digits = k % 7
            let expected = Self.reference(v, digits)
            guard !expected.contains("e") else { continue }
            #expect(fmt(v, digits) == expected, "\(v) at \(digits) digits")
            checked += 1
        }
        #expect(checked > 150_000)
        // Ties round away from zero; small values stay plain decimals; odd inputs stay safe.
        #expect(fmt(0.125, 2) == "0.13" && fmt(-0.125, 2) == "-0.13" && fmt(2.5, 0) == "3")
        #expect(fmt(0.00001, 6) == "0.00001" && fmt(-0.004, 2) == "0" && fmt(1234.5, 2) == "1234.5")
        #expect(fmt(.nan) == "0" && fmt(.infinity) == "0" && fmt(3e15, 6) == "3000000000000000" && fmt(1e300) == "1e+300")
    }
}

struct EmptyElementTests {
    /// Non-void empty elements get an explicit end tag (an HTML parser would leave `<div/>`
    /// open); void elements, declarations and text stay as they are.
    @Test func expandsOnlyNonVoidEmptyElements() {
        let input = #"<?xml version="1.0"?><p>a &gt; b<b/>c</p><div id="x"/><br/><svg><rect x="1"/><text/></svg><!-- x/ -->tail"#
        let expected = #"<?xml version="1.0"?><p>a &gt; b<b></b>c</p><div id="x"></div><br/><svg><rect x="1"/><text></text></svg><!-- x/ -->tail"#
        let out = Page.expandEmptyElements(ArraySlice(Array(input.utf8)))
        #expect(String(decoding: out, as: UTF8.self) == expected)
        #expect(Page.expandEmptyElements(ArraySlice(Array("no markup".utf8))) == Array("no markup".utf8))
        #expect(Page.expandEmptyElements(ArraySlice(Array("broken <tag".utf8))) == Array("broken <tag".utf8))
    }
}
