import Foundation

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
                             xLabel: "code version (oldest first)", yLabel: s.unit, series: [(s.name, idx.map { s.median[$0]! }, idx.map { s.low[$0]! }, idx.map { s.high[$0]! })],
                             marks: s.changes.compactMap { idx.firstIndex(of: $0) })
            }
        }
        try save(p, "speed.html")
    }
}
