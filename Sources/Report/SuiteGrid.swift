import Foundation

/// The size of a suite's grid as its YAML declares it: how many of each axis and the cells
/// they make. The caller parses the stored text (Report does not parse suites) and passes
/// one per suite hash (`SiteBuilder.declaredGrids`); the suite's leaderboard shows it beside
/// what the runs shown cover, so a partly run or partly failed grid is visible.
public struct SuiteGrid: Sendable, Equatable {
    public var orders: Int
    public var similarities: Int
    public var seeds: Int
    public var methods: Int
    public var models: Int
    public var protocols: Int
    public var cells: Int

    public init(orders: Int, similarities: Int, seeds: Int, methods: Int, models: Int, protocols: Int, cells: Int) {
        self.orders = orders; self.similarities = similarities; self.seeds = seeds; self.methods = methods
        self.models = models; self.protocols = protocols; self.cells = cells
    }

    /// The axes in the order the page lists them, with their counts.
    var axes: [(name: String, count: Int)] {
        [("orders", orders), ("similarity settings", similarities), ("seeds", seeds), ("methods", methods),
         ("models", models), ("protocols", protocols), ("cells", cells)]
    }
}
