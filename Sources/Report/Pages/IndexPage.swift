import Foundation

extension SiteBuilder.Context {
    /// index.html: every suite with its current code version and grid, and every method.
    mutating func index() throws {
        let (p, main) = try page("Suites and methods")
        explain(main, data.pinned.map { "Each suite is a grid of task orders, similarity settings, methods and seeds. Leaderboards show the runs made by code version \(ReportData.Version.short($0)) (report --code-version); the history page follows metrics across versions." }
                ?? "Each suite is a grid of task orders, similarity settings, methods and seeds. Leaderboards show the newest code version of each suite; the history page follows metrics across versions.")
        let table = main.add("table")
        let head = table.add("tr")
        for h in ["suite", "code version", "runs", "methods", "similarity settings", "orders"] { head.add("th", text: h) }
        for s in data.suites {
            let cur = data.current(suite: s)
            let row = table.add("tr")
            row.add("td").add("a", ["href": SuitePage.leaderboard.fileName(suite: s, data.suiteSlugs)], text: s)
            row.add("td", text: data.pinned.map(ReportData.Version.short) ?? data.versions(suite: s).last?.short ?? "-")
            row.add("td", text: "\(cur.count)")
            row.add("td", text: "\(data.methods(cur).count)")
            row.add("td", text: "\(data.settings(cur).count)")
            row.add("td", text: "\(Set(cur.map { $0.record.orderKey }).count)")
        }
        main.add("h2", text: "Methods")
        let mt = main.add("table")
        let mh = mt.add("tr")
        for h in ["method", "kind", "runs", "command or parameters"] { mh.add("th", text: h) }
        for m in Array(Set(data.runs.map { $0.record.methodLabel })).sorted() {
            let example = data.runs.first { $0.record.methodLabel == m }!.record
            let row = mt.add("tr")
            row.add("td", text: m)
            row.add("td", text: example.external ? "external" : "built-in")
            row.add("td", text: "\(data.runs.filter { $0.record.methodLabel == m }.count)")
            row.add("td", text: example.externalCommand ?? example.methodParameters)
        }
        try save(p, "index.html")
    }
}
