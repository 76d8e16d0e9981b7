import Foundation
import ResultStore

extension SiteBuilder {
    /// `clvbench export --format latex`: a suite's leaderboard tables (all similarity settings,
    /// then each setting) as the booktabs tabulars the site writes beside the page
    /// (tables/leaderboard-SUITE-K.tex), blank-line separated. Drawn by the page's own code, so
    /// the two cannot differ. `runs`: the whole database (page names depend on every suite).
    /// `codeVersion` pins the runs as it pins the page.
    public func leaderboardLaTeX(runs: [StoredRun], suite: String) throws -> String {
        if let v = codeVersion, !Self.knownVersions(runs.map(\.record), isAncestor: isAncestor).contains(v) {
            throw ReportError("no run was made by code version '\(v)'")
        }
        let data = ReportData(runs, isAncestor: isAncestor, pinned: codeVersion)
        guard data.suites.contains(suite) else {
            throw ReportError("suite '\(suite)': no runs in the database (suites: \(data.suites.joined(separator: ", ")))")
        }
        let ctx = Context(builder: self, data: data, speedHistory: SpeedHistory([]),
                          template: try Page(xml: Self.bareTemplate, name: "leaderboard template"))
        let file = SuitePage.leaderboard.fileName(suite: suite, data.suiteSlugs)
        let tables = try ctx.draw(.leaderboard, suite: suite).extractTables(base: String(file.dropLast(5)), hrefPrefix: "tables/", pageFile: file)
        return tables.filter { $0.classes.contains("leaderboard") }.map { $0.table.latex() }.joined(separator: "\n")
    }

    /// The ids `Context.page` fills, and nothing else: the tables do not depend on the template.
    static let bareTemplate = """
        <html xmlns="http://www.w3.org/1999/xhtml"><head><title id="title">t</title><link id="stylesheet" href="s"/></head>\
        <body><a id="home" href="i">h</a><nav id="nav">n</nav><main id="content">c</main></body></html>
        """
}
