import Foundation
import Analysis
import ResultStore

/// `clvbench bench --db` figures arranged for the speed page: one group per machine and
/// OpenBLAS core (figures from different ones are not comparable), one series per figure,
/// one point per code version (median of its measurements, band from min to max).
struct SpeedHistory: Equatable {
    struct Series: Equatable {
        var name: String
        var unit: String
        var detail: String
        /// Per code version of the group, nil where this figure was not measured.
        var median: [Double?]
        var low: [Double?]
        var high: [Double?]
        /// Version indices where the medians change level (penalised least squares).
        var changes: [Int]
    }

    struct Group: Equatable {
        var machine: String
        var openblasCore: String
        /// Code versions ("commit" or "commit+dirty"), ordered by their first measurement.
        var versions: [String]
        /// Short labels of `versions` for tables and axes.
        var labels: [String] {
            versions.map(ReportData.Version.short)
        }
        var series: [Series]
    }

    var groups: [Group]

    init(_ measurements: [BenchmarkMeasurement]) {
        var keys: [String] = []
        var byKey: [String: [BenchmarkMeasurement]] = [:]
        for m in measurements {
            let key = m.machine + "\u{1}" + m.openblasCore
            if byKey[key] == nil { keys.append(key) }
            byKey[key, default: []].append(m)
        }
        groups = keys.sorted().map { key in
            let ms = byKey[key]!
            var first: [String: String] = [:]
            for m in ms { first[m.version] = min(first[m.version] ?? m.measuredAt, m.measuredAt) }
            let versions = first.keys.sorted { (first[$0]!, $0) < (first[$1]!, $1) }
            var names: [String] = []
            for m in ms where !names.contains(m.name) { names.append(m.name) }
            let series = names.sorted { ($0.lowercased(), $0) < ($1.lowercased(), $1) }.map { name -> Series in
                let own = ms.filter { $0.name == name }
                let values = versions.map { v in own.filter { $0.version == v }.map(\.value) }
                let median = values.map { $0.isEmpty ? nil : Descriptive.median($0) }
                return Series(name: name, unit: own.last!.unit, detail: own.last!.detail, median: median,
                              low: values.map { $0.min() }, high: values.map { $0.max() },
                              changes: ChangePoints.changes(alongGaps: median))
            }
            return Group(machine: ms[0].machine, openblasCore: ms[0].openblasCore, versions: versions, series: series)
        }
    }
}

extension BenchmarkMeasurement {
    /// Named as runs name clvbench's version.
    var version: String { RunRecord.versionLabel(commit: commit, dirty: dirty) }
}
