import Analysis
import Foundation
import GRDB
import Testing
@testable import ResultStore

/// The gradient-alignment rows of schema v11: stored and read back as written, copied by a
/// merge, an impossible row refused by name, and runs without them still read.
struct GradientAlignmentStoreTests {
    static func record() -> RunRecord {
        var r = StoreTests.record()
        r.gradientAlignment = [
            .init(stage: 2, alignment: GradientAlignment(dot: GroupValues(vision: 0.3, language: -0.1, shared: 0.02),
                                                         newSquared: GroupValues(vision: 1, language: 0.5, shared: 0.04),
                                                         oldSquared: GroupValues(vision: 2, language: 0.25, shared: 0.01),
                                                         scale: GroupValues(vision: 0.625, language: 0.375, shared: 1))),
            .init(stage: 3, alignment: GradientAlignment(dot: GroupValues(vision: 0.1 + 0.2, language: 0, shared: -0.01),
                                                         newSquared: GroupValues(vision: 1.0 / 3, language: 0, shared: 0.01),
                                                         oldSquared: GroupValues(vision: 1, language: 1, shared: 0.01),
                                                         scale: GroupValues(vision: 1, language: 0, shared: 1))),
        ]
        return r
    }

    @Test func rowsRoundTripAndMerge() throws {
        let store = try Store(path: StoreTests.temporaryPath())
        let r = Self.record()
        try store.insert(r)
        try store.insert(StoreTests.record(order: ["b", "a"]))  // a run without rows beside it
        let back = try store.loadRuns()
        #expect(back.count == 2 && back[0].record == r)
        #expect(back[0].record.gradientAlignment == r.gradientAlignment)  // bit for bit
        #expect(back[1].record.gradientAlignment.isEmpty)
        let target = try Store(path: StoreTests.temporaryPath())
        #expect(try target.merge(from: [store]).inserted == 2)
        #expect(try target.loadRuns().first { $0.record.runKey == r.runKey }?.record.gradientAlignment == r.gradientAlignment)
    }

    @Test(arguments: [
        ("UPDATE gradient_alignment SET cosine = 1.5 WHERE stage = 3", "table gradient_alignment, row 2: cosine = 1.5 is outside [-1, 1]"),
        ("UPDATE gradient_alignment SET cosine_language = -2 WHERE stage = 2", "table gradient_alignment, row 1: cosine_language = -2.0 is outside [-1, 1]"),
        ("UPDATE gradient_alignment SET new_norm_vision = -0.5 WHERE stage = 2", "table gradient_alignment, row 1: new_norm_vision = -0.5 is not a finite number ≥ 0"),
        ("UPDATE gradient_alignment SET scale_shared = 'one' WHERE stage = 3", "table gradient_alignment, row 2: scale_shared holds the text 'one', expected a number"),
        ("UPDATE gradient_alignment SET stage = 1001 WHERE stage = 3", "table gradient_alignment, row 2: stage = 1001 is outside 0...1000"),
    ])
    func impossibleRowsAreRefusedByName(edit sql: String, expected: String) throws {
        try StoreTests.expectRefused(Self.record(), after: sql, naming: expected)
    }

    /// `export --format jsonl` carries the rows under the table's column names, values exact;
    /// a run without rows has no key.
    @Test func jsonlExportCarriesTheRows() throws {
        let store = try Store(path: StoreTests.temporaryPath())
        let r = Self.record()
        try store.insert(r)
        try store.insert(StoreTests.record(order: ["b", "a"]))
        let lines = try store.export(.jsonl).split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 2)
        let rows = try #require(lines[0]["gradient_alignment"] as? [[String: Any]])
        #expect(lines[1]["gradient_alignment"] == nil)
        #expect(rows.count == r.gradientAlignment.count)
        for (o, row) in zip(rows, r.gradientAlignment) {
            let a = row.alignment
            #expect(o["stage"] as? Int == row.stage)
            var expected: [String: Double] = ["cosine": a.cosine, "unscaled_cosine": a.unscaledCosine]
            for (name, v) in [("cosine", a.groupCosine), ("new_norm", a.newNorm), ("old_norm", a.oldNorm), ("scale", a.scale)] {
                expected[name + "_vision"] = v.vision; expected[name + "_language"] = v.language; expected[name + "_shared"] = v.shared
            }
            #expect(Set(o.keys) == Set(expected.keys).union(["stage"]))
            // Foundation's JSON text round trip can move the last bit (seen: 0.21213203435596423 →
            // …428), so values are compared to 4 ulp.
            for (k, v) in expected {
                let got = try #require(o[k] as? Double, "\(k)")
                #expect(abs(got - v) <= 4 * v.ulp, "\(k): \(got) against \(v)")
            }
        }
    }
}
