import Foundation
import GRDB

/// A stored run read back, with its database id.
public struct StoredRun: Sendable, Equatable {
    public var id: Int64
    public var record: RunRecord
    public init(id: Int64, record: RunRecord) {
        self.id = id
        self.record = record
    }
}

extension Store {
    /// Every run (optionally of one suite), with all its rows, in id order.
    public func loadRuns(suite: String? = nil) throws -> [StoredRun] {
        try read { db in
            var sql = """
                SELECT r.*, s.name AS suite_name, s.hash AS suite_hash, s.text AS suite_text,
                       c.commit_hash, c.dirty, m.cpu, m.cores, m.os, m.swift, m.openblas
                FROM run r JOIN suite s ON s.id = r.suite_id JOIN code_version c ON c.id = r.code_version_id
                JOIN machine m ON m.id = r.machine_id
                """
            var args: StatementArguments = []
            if let suite { sql += " WHERE s.name = ?"; args = [suite] }
            sql += " ORDER BY r.id"
            var runs: [StoredRun] = []
            for row in try Row.fetchAll(db, sql: sql, arguments: args) {
                let p = RunRecord.Provenance(commit: row["commit_hash"], dirty: row["dirty"], cpu: row["cpu"], cores: row["cores"],
                                             os: row["os"], swift: row["swift"], openblas: row["openblas"],
                                             openblasCore: row["openblas_core"], threads: row["threads"])
                var r = RunRecord(cellHash: row["cell_hash"], suiteName: row["suite_name"], suiteHash: row["suite_hash"],
                                  suiteText: row["suite_text"], method: row["method"], methodName: row["method_name"],
                                  methodParameters: row["method_params"], external: row["external"],
                                  externalCommand: row["external_command"], sv: row["sv"], sl: row["sl"], seed: row["seed"],
                                  order: (row["order_key"] as String).split(separator: ">").map(String.init),
                                  status: RunRecord.Status(rawValue: row["status"]) ?? .failed, message: row["message"],
                                  measuredSV: row["measured_sv"], measuredSL: row["measured_sl"],
                                  wallSeconds: row["wall_seconds"], finishedAt: row["finished_at"], provenance: p)
                r.log = row["log"]
                let id: Int64 = row["id"]
                r.accuracy = try Row.fetchAll(db, sql: "SELECT * FROM accuracy WHERE run_id = ? ORDER BY stage, column_index", arguments: [id]).map {
                    .init(stage: $0["stage"], column: $0["column_index"], environment: $0["environment"], heldOut: $0["held_out"],
                          accuracy: $0["accuracy"], loss: $0["loss"])
                }
                for m in try Row.fetchAll(db, sql: "SELECT name, value FROM metric WHERE run_id = ?", arguments: [id]) {
                    r.metrics[m["name"]] = m["value"] as Double?
                }
                r.contributions = try Row.fetchAll(db, sql: "SELECT * FROM contribution WHERE run_id = ? ORDER BY stage, earlier", arguments: [id]).map {
                    .init(stage: $0["stage"], trained: $0["trained"], earlier: $0["earlier"], sv: $0["sv"], sl: $0["sl"],
                          sxEarlierTrained: $0["sx_earlier_trained"], sxTrainedEarlier: $0["sx_trained_earlier"],
                          driftVision: $0["drift_vision"], driftLanguage: $0["drift_language"], forgetting: $0["forgetting"])
                }
                r.attributions = try Row.fetchAll(db, sql: "SELECT * FROM attribution WHERE run_id = ? ORDER BY stage, environment", arguments: [id]).map {
                    .init(stage: $0["stage"], environment: $0["environment"],
                          accuracy: [$0["vision_accuracy"], $0["language_accuracy"], $0["shared_accuracy"]],
                          loss: [$0["vision_loss"], $0["language_loss"], $0["shared_loss"]])
                }
                r.embeddings = try Row.fetchAll(db, sql: "SELECT * FROM embedding_stat WHERE run_id = ? ORDER BY stage, environment", arguments: [id]).map {
                    .init(stage: $0["stage"], environment: $0["environment"], alignment: $0["alignment"], modalityGap: $0["modality_gap"])
                }
                runs.append(StoredRun(id: id, record: r))
            }
            return runs
        }
    }

    /// Counts for `clvbench list`.
    public func listing(_ what: String) throws -> [[String: String]] {
        let sql: String
        switch what {
        case "suites":
            sql = "SELECT s.name AS suite, substr(s.hash, 1, 12) AS hash, count(r.id) AS runs FROM suite s LEFT JOIN run r ON r.suite_id = s.id GROUP BY s.id ORDER BY s.name"
        case "versions":
            sql = "SELECT substr(c.commit_hash, 1, 12) AS commit_hash, CASE c.dirty WHEN 1 THEN 'dirty' ELSE 'clean' END AS tree, count(r.id) AS runs, max(r.finished_at) AS last_run FROM code_version c LEFT JOIN run r ON r.code_version_id = c.id GROUP BY c.id ORDER BY last_run"
        case "methods":
            sql = "SELECT method, method_name, CASE external WHEN 1 THEN 'external' ELSE 'built-in' END AS kind, count(*) AS runs FROM run GROUP BY method ORDER BY method"
        case "runs":
            sql = """
                SELECT r.id, s.name AS suite, r.method, r.sv, r.sl, r.seed, r.order_key AS "order", r.status,
                       (SELECT round(value, 4) FROM metric WHERE run_id = r.id AND name = 'last') AS last,
                       (SELECT round(value, 4) FROM metric WHERE run_id = r.id AND name = 'forgetting') AS forgetting
                FROM run r JOIN suite s ON s.id = r.suite_id ORDER BY r.id
                """
        default:
            throw StoreError("unknown listing '\(what)': suites, versions, methods or runs")
        }
        return try read { db in
            try Row.fetchAll(db, sql: sql).map { row in
                var d: [String: String] = [:]
                for (k, v) in row {
                    switch v.storage {
                    case .null: d[k] = ""
                    case .int64(let i): d[k] = String(i)
                    case .double(let x): d[k] = String(x)
                    case .string(let s): d[k] = s
                    case .blob: d[k] = "<blob>"
                    }
                }
                return d
            }
        }
    }

    /// Column order of a listing, for printing.
    public static func listingColumns(_ what: String) -> [String] {
        switch what {
        case "suites": ["suite", "hash", "runs"]
        case "versions": ["commit_hash", "tree", "runs", "last_run"]
        case "methods": ["method", "method_name", "kind", "runs"]
        default: ["id", "suite", "method", "sv", "sl", "seed", "order", "status", "last", "forgetting"]
        }
    }
}
