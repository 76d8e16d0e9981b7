import Foundation

extension ReportData {
    /// A method of a suite with runs but none finished at the version its leaderboard shows.
    struct Unranked: Equatable {
        var method: String
        /// The code version of its newest runs, and how many of them failed or diverged there.
        var version: String
        var failures: Int
        /// The message of the earliest stored of those runs ("diverged" when it has none).
        var firstMessage: String
    }

    /// Methods that would otherwise vanish from a leaderboard without a note: every method with
    /// runs in the suite (made by the pinned version, when pinned) that has no current (finished) run, by name.
    func unranked(suite: String) -> [Unranked] {
        let ranked = Set(current(suite: suite).map { $0.record.methodLabel })
        let suiteRuns = runs.filter { $0.record.suiteName == suite && $0.isMade(by: pinned) }
        let order = Dictionary(uniqueKeysWithValues: versions(suite: suite).enumerated().map { ($1.id, $0) })
        return methods(suiteRuns).filter { !ranked.contains($0) }.compactMap { m in
            let mine = suiteRuns.filter { $0.record.methodLabel == m }
            guard let newest = mine.map(\.version).max(by: { (order[$0] ?? -1) < (order[$1] ?? -1) }) else { return nil }
            let failed = mine.filter { $0.version == newest && $0.record.status != .done }.sorted { $0.id < $1.id }
            guard let first = failed.first else { return nil }
            return Unranked(method: m, version: Version.short(newest), failures: failed.count,
                            firstMessage: first.record.message ?? first.record.status.rawValue)
        }
    }
}
