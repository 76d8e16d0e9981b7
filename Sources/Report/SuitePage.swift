import Foundation

/// One page every suite gets: what it is called, where it is written, what it explains and how
/// its body is drawn. A new suite page is a descriptor in its own file under Pages/ and one
/// entry in `SuitePage.all`; the task list, the suite navigation and the file names follow.
struct SuitePage: Sendable {
    /// The page's heading (followed by ": suite").
    var title: String
    /// The link text in each suite page's navigation.
    var link: String
    /// The file name's stem: the page is written as `<file>-<suite slug>.html`.
    var file: String
    /// The paragraph under the heading.
    var explanation: String
    /// Draws the body below the explanation from the suite's current runs.
    var render: @Sendable (_ ctx: SiteBuilder.Context, _ main: Element, _ suite: String, _ runs: [ReportData.Run]) throws -> Void

    /// The pages of every suite, in the order of the navigation and of rendering.
    static let all: [SuitePage] = [.leaderboard, .orders, .similarity, .contributions, .generalization, .paperChecks]

    /// The file this page is written to for a suite.
    func fileName(suite: String, _ slugs: SlugTable) -> String { "\(file)-\(slugs[suite]).html" }
}
