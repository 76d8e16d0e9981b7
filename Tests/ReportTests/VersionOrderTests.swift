import Foundation
import Testing
@testable import Report
import ResultStore

/// Versions of a method's repository follow git ancestry where it is known, time elsewhere.
struct VersionOrderTests {
    static func run(_ method: String, version: MethodVersion?, tool: String = "tool", at: String) -> RunRecord {
        var r = SyntheticResults.record(method: method, commit: tool, seed: 0, order: ["a", "b"], sv: 0.5, finishedAt: at)
        r.methodVersion = version
        return r
    }

    @Test func ancestryOrdersOneRepositorysVersionsInTheirTimeSlots() throws {
        // Finished in the order c3, tool, c1, c2 (c2 was rerun late); history is c1 -> c2 -> c3.
        let runs = [
            Self.run("mine", version: .init(commit: "c3", dirty: false, repository: "/r"), at: "2026-01-01T00:00:01Z"),
            Self.run("finetune", version: nil, at: "2026-01-01T00:00:02Z"),
            Self.run("mine", version: .init(commit: "c1", dirty: false, repository: "/r"), at: "2026-01-01T00:00:03Z"),
            Self.run("mine", version: .init(commit: "c2+abc", dirty: true, repository: "/r"), at: "2026-01-01T00:00:04Z"),
        ]
        let history = ["c1": 1, "c2": 2, "c3": 3]
        let ancestry: (String, String, String) -> Bool? = { a, b, repo in
            #expect(repo == "/r")
            guard let x = history[a], let y = history[b] else { return nil }
            return x <= y
        }
        #expect(VersionComparison.versions(runs) == ["c3", "tool", "c1", "c2+abc+dirty"])
        #expect(VersionComparison.versions(runs, isAncestor: ancestry) == ["c1", "tool", "c2+abc+dirty", "c3"])
        #expect(try VersionComparison.resolve("latest", among: VersionComparison.versions(runs, isAncestor: ancestry)) == "c3")
        // Git without an answer (unknown commits) leaves the time order.
        #expect(VersionComparison.versions(runs, isAncestor: { _, _, _ in nil }) == ["c3", "tool", "c1", "c2+abc+dirty"])
        #expect(VersionComparison.short("0123456789abcdef0123+9f8e7d6c5b4a+dirty") == "0123456789ab+9f8e7d6c5b4a+dirty")
    }

    /// A commit prefix names the clean version even when the same commit has dirty variants;
    /// COMMIT+HASH names a dirty one; two commits under one prefix stay ambiguous.
    @Test func aBarePrefixPicksTheCleanVersionOfItsCommit() throws {
        let c = "0123456789abcdef0123456789abcdef01234567"
        let versions = [c, c + "+9f8e7d6c5b4a+dirty", c + "+11aa22bb33cc+dirty", "0123456789ffffffffffffffffffffffffffffff"]
        #expect(try VersionComparison.resolve("0123456789ab", among: versions) == c)
        #expect(try VersionComparison.resolve("0123456789ab+9f8e", among: versions) == c + "+9f8e7d6c5b4a+dirty")
        #expect(try VersionComparison.resolve(c + "+11", among: versions) == c + "+11aa22bb33cc+dirty")
        #expect(throws: ReportError.self) { try VersionComparison.resolve("0123456789", among: versions) }  // two commits
        #expect(throws: ReportError.self) { try VersionComparison.resolve("0123456789ab+", among: versions) }  // two dirty variants
        #expect(throws: ReportError.self) { try VersionComparison.resolve("0123456789ab+77", among: versions) }
        // Without a clean version, two dirty variants of one commit are ambiguous.
        #expect(throws: ReportError.self) { try VersionComparison.resolve("0123", among: Array(versions[1...2])) }
    }

    /// The history page's versions (and what the leaderboard calls newest) follow ancestry too.
    @Test func reportDataOrdersHistoryByAncestry() {
        let runs = [
            Self.run("mine", version: .init(commit: "c2", dirty: false, repository: "/r"), at: "2026-01-01T00:00:01Z"),
            Self.run("mine", version: .init(commit: "c1", dirty: false, repository: "/r"), at: "2026-01-01T00:00:02Z"),
        ]
        let history = ["c1": 1, "c2": 2]
        let stored = runs.map { StoredRun(id: 0, record: $0) }
        let byTime = ReportData(stored)
        #expect(byTime.versions(suite: "demo").map(\.id) == ["c2", "c1"])
        #expect(byTime.current(suite: "demo").map(\.version) == ["c1"])
        let byAncestry = ReportData(stored, isAncestor: { a, b, _ in history[a].flatMap { x in history[b].map { x <= $0 } } })
        #expect(byAncestry.versions(suite: "demo").map(\.id) == ["c1", "c2"])
        #expect(byAncestry.current(suite: "demo").map(\.version) == ["c2"])
    }
}
