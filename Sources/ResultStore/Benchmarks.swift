import GRDB

/// One figure of `clvbench bench`, stored so the tool's own history pages follow its speed
/// across commits. Figures are only comparable on the same machine and OpenBLAS core.
public struct BenchmarkMeasurement: Sendable, Equatable {
    public var name: String
    public var value: Double
    public var unit: String
    public var detail: String
    public var measuredAt: String
    public var commit: String
    public var dirty: Bool
    /// Machine description (CPU, cores, OS, Swift, OpenBLAS version) and OpenBLAS core.
    public var machine: String
    public var openblasCore: String

    public init(name: String, value: Double, unit: String, detail: String, measuredAt: String, commit: String, dirty: Bool,
                machine: String, openblasCore: String) {
        self.name = name
        self.value = value
        self.unit = unit
        self.detail = detail
        self.measuredAt = measuredAt
        self.commit = commit
        self.dirty = dirty
        self.machine = machine
        self.openblasCore = openblasCore
    }
}

extension Store {
    /// Stores one bench invocation's figures in one transaction: all of them or none.
    public func insertBenchmarks(_ figures: [(name: String, value: Double, unit: String, detail: String)], measuredAt: String,
                                 provenance p: RunRecord.Provenance) throws {
        for f in figures where !f.value.isFinite {
            throw StoreError("\(path): benchmark figure '\(f.name)' is \(f.value); nothing was stored")
        }
        try write { db in
            let code = try upsertCodeVersion(db, commit: p.commit, dirty: p.dirty)
            let machine = try upsertMachine(db, p)
            for f in figures {
                try db.execute(sql: """
                    INSERT INTO benchmark (code_version_id, machine_id, name, value, unit, measured_at, openblas_core, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [code, machine, f.name, f.value, f.unit, measuredAt, p.openblasCore, f.detail])
            }
        }
    }

    /// Every stored figure, oldest first.
    public func loadBenchmarks() throws -> [BenchmarkMeasurement] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT b.*, c.commit_hash, c.dirty, m.cpu, m.cores, m.os, m.swift, m.openblas
                FROM benchmark b JOIN code_version c ON c.id = b.code_version_id JOIN machine m ON m.id = b.machine_id
                ORDER BY b.measured_at, b.id
                """).map { row in
                let machine = "\(row["cpu"] as String), \(row["cores"] as Int) cores, \(row["os"] as String), Swift \(row["swift"] as String), OpenBLAS \(row["openblas"] as String)"
                return BenchmarkMeasurement(name: row["name"], value: row["value"], unit: row["unit"], detail: row["detail"],
                                            measuredAt: row["measured_at"], commit: row["commit_hash"], dirty: row["dirty"],
                                            machine: machine, openblasCore: row["openblas_core"])
            }
        }
    }
}
