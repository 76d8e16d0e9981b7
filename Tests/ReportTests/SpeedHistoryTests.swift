import Foundation
import ResultStore
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
