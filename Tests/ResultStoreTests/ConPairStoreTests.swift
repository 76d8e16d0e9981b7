import Foundation
import GRDB
import Testing
@testable import ResultStore

/// The four-score rows of schema v10 (#16 item 3): stored and read back as written, copied by a
/// merge, exported under the paper's keys, an impossible row refused by name, and runs
/// without them (older, imported) still read.
struct ConPairStoreTests {
    static func record() -> RunRecord {
        var r = StoreTests.record()
        r.conPairs = [.init(stage: 0, environmentA: "a", environmentB: "b", conImageToText: 0.125, conTextToImage: -0.25,
                            conImageToImage: 0.5, conTextToText: 0.75),
                      .init(stage: 0, environmentA: "b", environmentB: "a", conImageToText: -0.25, conTextToImage: 0.125,
                            conImageToImage: 0.5, conTextToText: 0.75),
                      .init(stage: 1, environmentA: "a", environmentB: "b", conImageToText: 0.1 + 0.2, conTextToImage: -1,
                            conImageToImage: 1, conTextToText: 1.0 / 3)]
        return r
    }

    @Test func rowsRoundTripMergeAndExport() throws {
        let store = try Store(path: StoreTests.temporaryPath())
        let r = Self.record()
        try store.insert(r)
        try store.insert(StoreTests.record(order: ["b", "a"]))  // a run without rows beside it
        let back = try store.loadRuns()
        #expect(back.count == 2 && back[0].record == r)
        #expect(back[0].record.conPairs == r.conPairs)  // bit for bit, 0.1 + 0.2 and 1/3 included
        #expect(back[1].record.conPairs.isEmpty)
        let target = try Store(path: StoreTests.temporaryPath())
        let report = try target.merge(from: [store])
        #expect(report.inserted == 2)
        #expect(try target.loadRuns().first { $0.record.runKey == r.runKey }?.record.conPairs == r.conPairs)
        // The jsonl export carries them under the paper's keys, only for runs that have them.
        let lines = try store.export(.jsonl).split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let rows = try #require(lines[0]["con_pairs"] as? [[String: Any]])
        #expect(rows.count == 3 && rows[2]["stage"] as? Int == 1 && rows[2]["a"] as? String == "a" && rows[2]["b"] as? String == "b")
        func number(_ row: [String: Any], _ key: String) -> Double? { (row[key] as? NSNumber)?.doubleValue }
        // Foundation's JSONSerialization on Linux writes 16 significant digits (0.1 + 0.2 comes out as
        // 0.3000000000000001, as every float of the export does): equal to 1 ulp, not bit for bit.
        #expect(abs(number(rows[2], "con_i_t")! - (0.1 + 0.2)) < 1e-15, "\(rows[2])")
        #expect(number(rows[2], "con_t_i") == -1 && abs(number(rows[2], "con_t_t")! - 1.0 / 3) < 1e-15, "\(rows[2])")
        #expect(number(rows[0], "con_i_i") == 0.5)
        #expect(lines[1]["con_pairs"] == nil)
    }

    @Test(arguments: [
        ("UPDATE con_pair SET con_i_t = 1.5 WHERE stage = 1", "table con_pair, row 3: con_i_t = 1.5 is outside [-1, 1]"),
        ("UPDATE con_pair SET con_t_t = 'high' WHERE stage = 1", "table con_pair, row 3: con_t_t holds the text 'high', expected a number"),
        ("UPDATE con_pair SET stage = -2 WHERE stage = 1", "table con_pair, row 3: stage = -2 is outside 0...1000"),
        ("UPDATE con_pair SET con_t_i = X'01' WHERE stage = 1", "table con_pair, row 3: con_t_i holds a blob of 1 bytes, expected a number"),
        ("UPDATE con_pair SET con_i_i = -1.25 WHERE stage = 0", "table con_pair, row 1: con_i_i = -1.25 is outside [-1, 1]"),
    ])
    func impossibleRowsAreRefusedByName(edit sql: String, expected: String) throws {
        try StoreTests.expectRefused(Self.record(), after: sql, naming: expected)
    }
}
