import CLibXML2
import Foundation
import ResultStore
import Testing
@testable import Report

/// A method whose runs all failed used to vanish from the leaderboard without a note (issue 19
/// item 2): it is listed under the ranking with its failure count and first message.
struct UnrankedMethodsTests {
    let site = SiteTests()

    func failed(_ method: String, commit: String, seed: Int, message: String?, status: RunRecord.Status = .failed, day: Int) -> RunRecord {
        var r = SyntheticResults.record(method: method, commit: commit, seed: seed, order: ["e1", "e2", "e3"], sv: 0.5,
                                        finishedAt: "2026-01-0\(day)T00:00:00Z")
        r.status = status
        r.message = message
        r.metrics = [:]
        r.accuracy = []; r.contributions = []; r.attributions = []
        return r
    }

    @Test func methodsWithoutAFinishedRunAreListedWithCountAndFirstMessage() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("unranked-\(UUID().uuidString).sqlite").path
        let store = try Store(path: path)
        for (commit, day) in [("aaaa1111", 1), ("bbbb2222", 2)] {
            for seed in 0..<2 {
                try store.insert(SyntheticResults.record(method: "finetune", commit: commit, seed: seed, order: ["e1", "e2", "e3"], sv: 0.5,
                                                         finishedAt: "2026-01-0\(day)T00:00:00Z"))
            }
        }
        // Always failing: three runs at the newest version; the first stored one's message is shown.
        try store.insert(failed("broken", commit: "bbbb2222", seed: 0, message: "loss is NaN at stage 2", day: 2))
        try store.insert(failed("broken", commit: "bbbb2222", seed: 1, message: "other", day: 2))
        try store.insert(failed("broken", commit: "bbbb2222", seed: 2, message: nil, status: .diverged, day: 2))
        // Finished at the old version, diverged (no message) at the newest: not ranked either.
        try store.insert(SyntheticResults.record(method: "ewc", commit: "aaaa1111", seed: 0, order: ["e1", "e2", "e3"], sv: 0.5,
                                                 finishedAt: "2026-01-01T00:00:00Z"))
        try store.insert(failed("ewc", commit: "bbbb2222", seed: 0, message: nil, status: .diverged, day: 2))
        let data = ReportData(try store.loadRuns())
        #expect(data.unranked(suite: "demo") == [
            .init(method: "broken", version: "bbbb2222", failures: 3, firstMessage: "loss is NaN at stage 2"),
            .init(method: "ewc", version: "bbbb2222", failures: 1, firstMessage: "diverged"),
        ])
        let (out, _) = try site.build(path)
        let (doc, _) = site.parse(out + "/leaderboard-demo.html")
        defer { xmlFreeDoc(doc) }
        #expect(site.xpath(doc!, "//h:table[@class='leaderboard'][1]//h:td[2]/h:a") == ["finetune"])
        let t = "//h:h2[.='Not ranked: no finished run']/following-sibling::h:table[1]"
        #expect(site.xpath(doc!, "\(t)/h:tr[2]/h:td") == ["broken", "bbbb2222", "3", "loss is NaN at stage 2"])
        #expect(site.xpath(doc!, "\(t)/h:tr[3]/h:td") == ["ewc", "bbbb2222", "1", "diverged"])
        // A suite where every method finished has no such section.
        let (clean, _) = try site.build(try SyntheticResults.database())
        let (cdoc, _) = site.parse(clean + "/leaderboard-demo.html")
        defer { xmlFreeDoc(cdoc) }
        #expect(site.xpath(cdoc!, "//h:h2[starts-with(., 'Not ranked')]").isEmpty)
    }
}
