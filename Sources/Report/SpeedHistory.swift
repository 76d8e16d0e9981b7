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
            versions.map { String($0.prefix(10)) + ($0.hasSuffix("+dirty") ? "+dirty" : "") }
        }
        var series: [Series]
    }

    var groups: [Group]

    init(_ measurements: [BenchmarkMeasurement]) {
        func version(_ m: BenchmarkMeasurement) -> String { m.commit + (m.dirty ? "+dirty" : "") }
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
            for m in ms { first[version(m)] = min(first[version(m)] ?? m.measuredAt, m.measuredAt) }
            let versions = first.keys.sorted { (first[$0]!, $0) < (first[$1]!, $1) }
            var names: [String] = []
            for m in ms where !names.contains(m.name) { names.append(m.name) }
            let series = names.sorted { ($0.lowercased(), $0) < ($1.lowercased(), $1) }.map { name -> Series in
                let own = ms.filter { $0.name == name }
                let values = versions.map { v in own.filter { version($0) == v }.map(\.value) }
                let median = values.map { $0.isEmpty ? nil : Descriptive.median($0) }
                return Series(name: name, unit: own.last!.unit, detail: own.last!.detail, median: median,
                              low: values.map { $0.min() }, high: values.map { $0.max() },
                              changes: ChangePoints.changes(alongGaps: median))
            }
            return Group(machine: ms[0].machine, openblasCore: ms[0].openblasCore, versions: versions, series: series)
        }
    }
}

extension SiteBuilder.Context {
    /// speed.html: the tool's own benchmark figures across code versions.
    mutating func speed() throws {
        let (p, main) = try page("Speed across code versions")
        explain(main, "clvbench's own throughput, stored by `clvbench bench --db`. Each figure is followed across code versions on one machine and OpenBLAS core, oldest first; a point is the median of that version's measurements and the band spans their range. Dashed lines mark change points. The machine is shared and noisy: read ratios within a version, and trends, rather than single values.")
        for g in speedHistory.groups {
            main.add("h2", text: "\(g.machine), OpenBLAS core \(g.openblasCore.isEmpty ? "unknown" : g.openblasCore)")
            let table = main.add("table", ["class": "speed"])
            let head = table.add("tr")
            for h in ["figure", "unit", "versions", "first", "latest", "latest / previous", "change points", "how measured"] { head.add("th", text: h) }
            for s in g.series {
                let measured = s.median.compactMap { $0 }
                let row = table.add("tr")
                row.add("td", text: s.name)
                row.add("td", text: s.unit)
                row.add("td", text: "\(measured.count)")
                row.add("td", text: measured.first.map(figure) ?? "-")
                row.add("td", text: measured.last.map(figure) ?? "-")
                row.add("td", text: measured.count >= 2 ? fmt(measured[measured.count - 1] / measured[measured.count - 2], 3) + "x" : "-")
                row.add("td", text: s.changes.isEmpty ? "none" : s.changes.map { g.labels[$0] }.joined(separator: ", "))
                row.add("td", text: s.detail)
            }
            guard g.versions.count >= 2 else { continue }
            for s in g.series where s.median.compactMap({ $0 }).count >= 2 {
                // Versions where the figure was not measured are left out of its chart.
                let idx = s.median.indices.filter { s.median[$0] != nil }
                Charts.lines(main, label: "\(s.name) across code versions", xLabels: idx.map { g.labels[$0] },
                             yLabel: s.unit, series: [(s.name, idx.map { s.median[$0]! }, idx.map { s.low[$0]! }, idx.map { s.high[$0]! })],
                             marks: s.changes.compactMap { idx.firstIndex(of: $0) })
            }
        }
        try save(p, "speed.html")
    }
}

/// A benchmark figure for a table: three decimals, or three significant digits in exponent form
/// below 0.01 (agreement figures are around 1e-7, which three decimals would show as 0).
func figure(_ v: Double) -> String {
    guard v.isFinite, v != 0, abs(v) < 0.01 else { return fmt(v, 3) }
    var exponent = Int(log10(abs(v)).rounded(.down))
    var mantissa = v / pow(10, Double(exponent))
    if abs((mantissa * 100).rounded()) >= 1000 { mantissa /= 10; exponent += 1 }  // 9.996e-5 -> 1e-4
    return fmt(mantissa, 2) + "e" + String(exponent)
}
