import Linalg

/// Leaderboard ranks that do not claim more than the runs show: a method shares the rank of the
/// method directly above it when their paired comparison over matched cells does not separate
/// them (the 95% paired bootstrap CI of the mean difference includes 0). The rule looks only at
/// neighbours, so a chain A ~ B, B ~ C shares one rank even when A and C would separate.
public enum TieGroups {
    public struct Ranking: Equatable, Sendable {
        /// 1-based; a method separated from the one above takes its position in the list.
        public var ranks: [Int]
        /// The paired difference (method above minus this one) over matched cells; nil for the
        /// first method and where fewer than `minimumPairs` cells match (then not tied).
        public var differenceFromAbove: [Interval?]
        /// Whether each method shares its rank with a neighbour (the page marks these).
        public var tied: [Bool]
    }

    /// The stated rule, one sentence, for pages and table notes.
    public static func rule(metric: String) -> String {
        "A method shares the rank of the method directly above it when the 95% paired bootstrap CI of their mean difference in \(metric) over matched cells (same similarity setting, seed and order) includes 0; \"=\" marks a shared rank. Methods with fewer than 2 matched cells are not compared and keep their position."
    }

    /// `cells[i]`: method i's values by matched-cell key, methods already in rank order (best
    /// first; higher is better). `stratum` names a cell's stratum for the resamples (its
    /// similarity setting); `bootstrap(i)` seeds the comparison of methods i-1 and i.
    public static func rank(_ cells: [[String: Double]], stratum: (String) -> Int, bootstrap: (Int) -> Bootstrap,
                            minimumPairs: Int = 2) -> Ranking {
        var ranks: [Int] = [], differences: [Interval?] = []
        for i in cells.indices {
            guard i > 0 else { ranks.append(1); differences.append(nil); continue }
            let keys = cells[i].keys.filter { cells[i - 1][$0] != nil }.sorted()
            guard keys.count >= minimumPairs else { ranks.append(i + 1); differences.append(nil); continue }
            let diffs = keys.map { cells[i - 1][$0]! - cells[i][$0]! }
            let ci = bootstrap(i).interval(diffs, strata: keys.map(stratum))
            differences.append(ci)
            ranks.append(ci.excludesZero() ? i + 1 : ranks[i - 1])
        }
        let tied = cells.indices.map { i in
            (i > 0 && ranks[i] == ranks[i - 1]) || (i + 1 < ranks.count && ranks[i + 1] == ranks[i])
        }
        return Ranking(ranks: ranks, differenceFromAbove: differences, tied: tied)
    }
}
