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
    ///
    /// Each child table is read in one query ordered by run and grouped in memory: five
    /// statements for the whole database instead of five per run (10,000 runs: 2.0 s -> 0.35 s,
    /// docs/performance.md).
    public func loadRuns(suite: String? = nil) throws -> [StoredRun] {
        try read { db in
            var sql = """
                SELECT r.*, s.name AS suite_name, s.hash AS suite_hash, s.text AS suite_text,
                       c.commit_hash, c.dirty, m.cpu, m.cores, m.os, m.swift, m.openblas,
                       mv.commit_hash AS method_commit, mv.dirty AS method_dirty
                FROM run r JOIN suite s ON s.id = r.suite_id JOIN code_version c ON c.id = r.code_version_id
                JOIN machine m ON m.id = r.machine_id LEFT JOIN code_version mv ON mv.id = r.method_version_id
                """
            var args: StatementArguments = []
            if let suite { sql += " WHERE s.name = ?"; args = [suite] }
            sql += " ORDER BY r.id"
            var runs: [StoredRun] = []
            var position: [Int64: Int] = [:]
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
                r.lossKnown = row["loss_known"]
                if let commit = row["method_commit"] as String? {
                    r.methodVersion = MethodVersion(commit: commit, dirty: row["method_dirty"], repository: row["method_repository"])
                }
                if let file = row["imported_from"] as String?, let sha = row["imported_sha256"] as String? {
                    r.importSource = ImportSource(file: file, sha256: sha)
                }
                r.model = row["model"]
                let id: Int64 = row["id"]
                position[id] = runs.count
                runs.append(StoredRun(id: id, record: r))
            }
            // The child rows of the selected runs, one statement per table; columns by position.
            let scope = suite == nil ? "" : " WHERE run_id IN (SELECT r.id FROM run r JOIN suite s ON s.id = r.suite_id WHERE s.name = ?)"
            func each(_ columns: String, _ table: String, _ order: String, _ body: (Int, Row) -> Void) throws {
                let rows = try Row.fetchCursor(db, sql: "SELECT run_id, \(columns) FROM \(table)\(scope) ORDER BY run_id, \(order)",
                                               arguments: args)
                while let row = try rows.next() {
                    if let i = position[row[0]] { body(i, row) }
                }
            }
            try each("stage, column_index, environment, held_out, accuracy, loss", "accuracy", "stage, column_index") { i, row in
                runs[i].record.accuracy.append(.init(stage: row[1], column: row[2], environment: row[3], heldOut: row[4],
                                                     accuracy: row[5], loss: row[6]))
            }
            try each("name, value", "metric", "name") { i, row in
                runs[i].record.metrics[row[1]] = row[2] as Double?
            }
            try each("stage, trained, earlier, sv, sl, sx_earlier_trained, sx_trained_earlier, drift_vision, drift_language, forgetting",
                     "contribution", "stage, earlier") { i, row in
                runs[i].record.contributions.append(.init(stage: row[1], trained: row[2], earlier: row[3], sv: row[4], sl: row[5],
                                                          sxEarlierTrained: row[6], sxTrainedEarlier: row[7], driftVision: row[8],
                                                          driftLanguage: row[9], forgetting: row[10]))
            }
            try each("stage, environment, vision_accuracy, language_accuracy, shared_accuracy, vision_loss, language_loss, shared_loss",
                     "attribution", "stage, environment") { i, row in
                runs[i].record.attributions.append(.init(stage: row[1], environment: row[2], accuracy: [row[3], row[4], row[5]],
                                                         loss: [row[6], row[7], row[8]]))
            }
            try each("stage, environment, alignment, modality_gap", "embedding_stat", "stage, environment") { i, row in
                runs[i].record.embeddings.append(.init(stage: row[1], environment: row[2], alignment: row[3], modalityGap: row[4]))
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
            sql = "SELECT substr(c.commit_hash, 1, 12) || CASE WHEN instr(c.commit_hash, '+') > 12 THEN substr(c.commit_hash, instr(c.commit_hash, '+')) ELSE '' END AS commit_hash, CASE c.dirty WHEN 1 THEN 'dirty' ELSE 'clean' END AS tree, count(r.id) AS runs, max(r.finished_at) AS last_run FROM code_version c LEFT JOIN run r ON r.code_version_id = c.id OR r.method_version_id = c.id GROUP BY c.id ORDER BY last_run"
        case "methods":
            sql = "SELECT method, method_name, CASE WHEN imported_sha256 IS NOT NULL THEN 'imported' WHEN external = 1 THEN 'external' ELSE 'built-in' END AS kind, count(*) AS runs FROM run GROUP BY method ORDER BY method"
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
