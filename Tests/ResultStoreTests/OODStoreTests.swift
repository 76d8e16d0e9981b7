import Foundation
import GRDB
import Testing
@testable import ResultStore

/// The OOD rows of schema v8 (#16 item 6): stored and read back as written, an impossible row
/// refused by name, and runs without them (older, external) still read.
struct OODStoreTests {
    static func record() -> RunRecord {
        var r = StoreTests.record()
        r.oodPairs = [.init(stage: 0, inEnvironment: "a", outEnvironment: "b", auroc: 0.75, conImageToText: 0.125),
                      .init(stage: 0, inEnvironment: "b", outEnvironment: "a", auroc: 0.5, conImageToText: -0.25),
                      .init(stage: 1, inEnvironment: "a", outEnvironment: "b", auroc: 1, conImageToText: 0.3)]
        r.oodCumulative = [.init(stage: 1, auroc: 0.625), .init(stage: 2, auroc: 0)]
        return r
    }

    @Test func oodRowsRoundTrip() throws {
        let store = try Store(path: StoreTests.temporaryPath())
        let r = Self.record()
        try store.insert(r)
        try store.insert(StoreTests.record(order: ["b", "a"]))  // a run without OOD rows beside it
        let back = try store.loadRuns()
        #expect(back.count == 2 && back[0].record == r)
        #expect(back[0].record.oodPairs.map(\.auroc) == [0.75, 0.5, 1] && back[0].record.oodCumulative.map(\.auroc) == [0.625, 0])
        #expect(back[1].record.oodPairs.isEmpty && back[1].record.oodCumulative.isEmpty)
        // A merge copies them with the run.
        let target = try Store(path: StoreTests.temporaryPath())
        _ = try target.merge(from: [store])
        #expect(try target.loadRuns().first { $0.record.runKey == r.runKey }?.record == r)
    }

    @Test(arguments: [
        ("UPDATE ood_pair SET auroc = 1.5 WHERE stage = 1", "table ood_pair, row 3: auroc = 1.5 is outside [0, 1]"),
        ("UPDATE ood_pair SET auroc = 'high' WHERE stage = 1", "table ood_pair, row 3: auroc holds the text 'high', expected a number"),
        ("UPDATE ood_pair SET stage = -2 WHERE stage = 1", "table ood_pair, row 3: stage = -2 is outside 0...1000"),
        ("UPDATE ood_pair SET con_i_t = X'01' WHERE stage = 1", "table ood_pair, row 3: con_i_t holds a blob of 1 bytes, expected a number"),
        ("UPDATE ood_cumulative SET auroc = -0.1 WHERE stage = 2", "table ood_cumulative, row 2: auroc = -0.1 is outside [0, 1]"),
        ("UPDATE ood_cumulative SET stage = 2.5 WHERE stage = 2", "table ood_cumulative, row 2: stage holds the number 2.5, expected an integer"),
    ])
    func impossibleOODRowsAreRefusedByName(edit sql: String, expected: String) throws {
        try StoreTests.expectRefused(Self.record(), after: sql, naming: expected)
    }
}
