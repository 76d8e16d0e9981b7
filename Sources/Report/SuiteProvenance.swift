import Foundation
import ResultStore

/// What a suite's pages show and where it comes from: the code versions of the runs shown
/// (clvbench's for built-in methods, each external or imported method's own), the suite texts
/// they ran (hash and YAML as stored), and the grid the text declares beside the one the runs
/// cover (issue 19 item 4).
struct SuiteProvenance {
    /// One code version among the runs shown.
    struct ShownVersion: Equatable {
        var label: String
        var dirty: Bool
        /// nil: clvbench's own version (built-in methods); else the method whose own version it is.
        var owner: String?
        var methods: [String]
        var runs: Int
    }

    /// One stored suite text among the runs shown.
    struct Definition: Equatable {
        var hash: String
        var text: String
        var runs: Int
    }

    var versions: [ShownVersion]
    var definitions: [Definition]
    /// The axes as the runs shown cover them.
    var shown: SuiteGrid
    /// Whether `report --code-version` chose the version.
    var pinned: String?

    /// `basis`: the runs the suite's pages show; when there are none, the suite's runs at the
    /// pinned (or any) version, so the definition is still shown.
    init(_ data: ReportData, suite: String) {
        let cur = data.current(suite: suite)
        let basis = cur.isEmpty ? data.runs.filter { $0.record.suiteName == suite && $0.isMade(by: data.pinned) } : cur
        var groups: [String: ShownVersion] = [:], keys: [String] = []
        for r in cur {
            let owner = r.record.methodVersion == nil ? nil : r.record.methodLabel
            let key = (owner ?? "") + "\u{0}" + r.version
            if groups[key] == nil {
                keys.append(key)
                groups[key] = ShownVersion(label: r.version, dirty: r.record.methodVersion?.dirty ?? r.record.provenance.dirty,
                                           owner: owner, methods: [], runs: 0)
            }
            groups[key]!.runs += 1
            if !groups[key]!.methods.contains(r.record.methodLabel) { groups[key]!.methods.append(r.record.methodLabel) }
        }
        // clvbench's version first, then methods' own versions by method.
        versions = keys.sorted { a, b in
            let x = groups[a]!, y = groups[b]!
            return (x.owner == nil ? 0 : 1, x.owner ?? "", x.label) < (y.owner == nil ? 0 : 1, y.owner ?? "", y.label)
        }.map { k in var v = groups[k]!; v.methods.sort(); return v }
        var defs: [String: Definition] = [:]
        for r in basis { defs[r.record.suiteHash, default: Definition(hash: r.record.suiteHash, text: r.record.suiteText, runs: 0)].runs += cur.isEmpty ? 0 : 1 }
        definitions = defs.values.sorted { ($0.runs, $1.hash) > ($1.runs, $0.hash) }
        func count<T: Hashable>(_ f: (ReportData.Run) -> T) -> Int { Set(cur.map(f)).count }
        shown = SuiteGrid(orders: count { $0.record.orderKey }, similarities: count { [$0.record.sv, $0.record.sl] },
                          seeds: count { $0.record.seed }, methods: count { $0.storedMethod }, models: count { $0.record.model },
                          protocols: count { $0.record.trainingProtocol }, cells: count { $0.record.cellHash })
        pinned = data.pinned
    }
}

extension SiteBuilder.Context {
    /// The line under every suite page's navigation: which code version(s) the page shows,
    /// dirty ones flagged, and the suite text's hash, linked to its definition.
    func versionLine(_ main: Element, suite: String) {
        let prov = SuiteProvenance(data, suite: suite)
        let p = main.add("p", ["class": "provenance"])
        if prov.versions.isEmpty {
            p.text(prov.pinned.map { "No finished run of this suite at code version \(ReportData.Version.short($0)) (pinned with report --code-version)." }
                   ?? "No finished run of this suite.")
        } else {
            p.text(prov.versions.count == 1 ? "Code version shown: " : "Code versions shown: ")
            for (i, v) in prov.versions.enumerated() {
                if i > 0 { p.text("; ") }
                p.add("code", text: ReportData.Version.short(v.label))
                p.text(v.owner.map { " (\($0)'s own" } ?? " (clvbench")
                if v.dirty { p.text(", "); p.add("span", ["class": "dirty"], text: "uncommitted changes") }
                p.text(")")
            }
            p.text(prov.pinned.map { ", pinned with report --code-version \(ReportData.Version.short($0))." }
                   ?? ", the newest of each method; report --code-version V pins another.")
        }
        if !prov.definitions.isEmpty {
            p.text(" Suite text ")
            for (i, d) in prov.definitions.enumerated() {
                if i > 0 { p.text(", ") }
                p.add("a", ["href": SuitePage.leaderboard.fileName(suite: suite, data.suiteSlugs) + "#suite-definition"], text: String(d.hash.prefix(12)))
            }
            p.text(".")
        }
    }

    /// The suite's definition at the foot of its leaderboard: the versions shown with their
    /// runs, the grid declared and covered, and each suite text as stored with its hash.
    func suiteDefinition(_ main: Element, suite: String) {
        let prov = SuiteProvenance(data, suite: suite)
        main.add("h2", ["id": "suite-definition"], text: "Suite definition and code versions")
        explain(main, "The code versions of the runs on this suite's pages (clvbench's for built-in methods, the method's own for external and imported ones; a dirty version is a tree with uncommitted changes, named by its commit and a hash of its diff), the grid the suite text declares beside the part of it the runs shown cover, and the suite text exactly as the database stores it.")
        if !prov.versions.isEmpty {
            let vt = main.add("table", ["class": "versions"])
            let vh = vt.add("tr")
            for h in ["code version", "whose", "uncommitted changes", "methods", "runs"] { vh.add("th", text: h) }
            for v in prov.versions {
                let row = vt.add("tr")
                row.add("td", text: v.label)
                row.add("td", text: v.owner.map { "\($0)'s own" } ?? "clvbench")
                row.add("td", text: v.dirty ? "yes" : "no")
                row.add("td", ["class": "explain"], text: v.methods.joined(separator: ", "))
                row.add("td", text: "\(v.runs)")
            }
        }
        let gt = main.add("table", ["class": "grid"])
        let gh = gt.add("tr")
        gh.add("th", text: "axis")
        for d in prov.definitions { gh.add("th", text: "declared (suite text \(d.hash.prefix(12)))") }
        gh.add("th", text: "in the runs shown")
        let declared = prov.definitions.map { builder.declaredGrids[$0.hash] }
        for (k, axis) in prov.shown.axes.enumerated() {
            let row = gt.add("tr")
            row.add("td", text: axis.name)
            for g in declared { row.add("td", text: g.map { "\($0.axes[k].count)" } ?? "–") }
            row.add("td", text: "\(axis.count)")
        }
        if declared.contains(where: { $0 == nil }) {
            explain(main, "–: the suite text does not declare a grid clvbench can read back (a suite created by import, or one whose text no longer parses).")
        }
        for d in prov.definitions {
            main.add("h3", text: "Suite text \(d.hash)" + (d.runs > 0 ? " (\(d.runs) run(s) shown)" : ""))
            main.add("pre", ["class": "suite-text"], text: d.text)
        }
    }
}
