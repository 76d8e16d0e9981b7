import Foundation
import GRDB
import Testing
@testable import ResultStore

struct BenchmarkStoreTests {
    static let provenance = RunRecord.Provenance(commit: "abc", dirty: true, cpu: "cpu", cores: 2, os: "os", swift: "6",
                                                 openblas: "0.3.21", openblasCore: "Haswell", threads: 1)

    @Test func figuresRoundTripWithTheirContext() throws {
        let store = try Store(path: StoreTests.temporaryPath())
        try store.insertBenchmarks([("sgemm n=512", 125.5, "GFLOP/s", "square"), ("train step b=128", 300, "steps/s", "step")],
                                   measuredAt: "2026-11-29T10:00:00Z", provenance: Self.provenance)
        var other = Self.provenance
        other.commit = "def"
        other.dirty = false
        other.openblasCore = "Cooperlake"
        try store.insertBenchmarks([("sgemm n=512", 204, "GFLOP/s", "square")], measuredAt: "2026-11-29T09:00:00Z", provenance: other)
        let back = try store.loadBenchmarks()
        // Oldest first, each with its code version, machine and core.
        #expect(back.map(\.name) == ["sgemm n=512", "sgemm n=512", "train step b=128"])
        #expect(back.map(\.value) == [204, 125.5, 300])
        #expect(back.map(\.commit) == ["def", "abc", "abc"] && back.map(\.dirty) == [false, true, true])
        #expect(back.map(\.openblasCore) == ["Cooperlake", "Haswell", "Haswell"])
        #expect(back[1].detail == "square" && back[1].unit == "GFLOP/s" && back[1].measuredAt == "2026-11-29T10:00:00Z")
        #expect(back[0].machine == "cpu, 2 cores, os, Swift 6, OpenBLAS 0.3.21")
    }

    @Test func aNonFiniteFigureStoresNothing() throws {
        let store = try Store(path: StoreTests.temporaryPath())
        do {
            try store.insertBenchmarks([("good", 1, "x", ""), ("bad", .nan, "x", "")], measuredAt: "t", provenance: Self.provenance)
            Issue.record("stored a NaN figure")
        } catch {
            #expect("\(error)".contains("'bad' is nan; nothing was stored"), "\(error)")
        }
        #expect(try store.loadBenchmarks().isEmpty)
    }

    /// A database written before migration v3 (benchmark rows without core or detail) opens,
    /// migrates, and keeps its rows.
    @Test func aVersion2DatabaseGainsTheNewColumns() throws {
        let path = StoreTests.temporaryPath()
        let q = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(q, upTo: "v2-run-log")
        try q.write { db in
            try db.execute(sql: "INSERT INTO code_version (commit_hash, dirty) VALUES ('old', 0)")
            try db.execute(sql: "INSERT INTO machine (fingerprint, cpu, cores, os, swift, openblas) VALUES ('f', 'cpu', 2, 'os', '6', '0.3.21')")
            try db.execute(sql: "INSERT INTO benchmark (code_version_id, machine_id, name, value, unit, measured_at) VALUES (1, 1, 'sgemm', 120, 'GFLOP/s', '2026-01-01')")
        }
        try q.close()
        // A read-only open (report, export) migrates the older file once and reads it.
        let store = try Store(path: path, mode: .readOnly)
        let back = try store.loadBenchmarks()
        #expect(back.count == 1 && back[0].value == 120 && back[0].commit == "old")
        #expect(back[0].openblasCore == "" && back[0].detail == "")
        #expect(try store.integrityCheck() == "ok")
        #expect(try Store(path: path).loadRuns().isEmpty)
    }
}
