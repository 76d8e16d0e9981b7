import Foundation
import GRDB
import Analysis

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
            let path = self.path
            for raw in try Row.fetchAll(db, sql: sql, arguments: args) {
                let row = CheckedRow(raw, table: "run", path: path)
                let p = RunRecord.Provenance(commit: try row["commit_hash"], dirty: try row["dirty"], cpu: try row["cpu"], cores: try row["cores"],
                                             os: try row["os"], swift: try row["swift"], openblas: try row["openblas"],
                                             openblasCore: try row["openblas_core"], threads: try row["threads"])
                let statusText: String = try row["status"]
                guard let status = RunRecord.Status(rawValue: statusText) else {
                    throw row.problem("status", "is '\(DisplayText.neutralised(statusText, singleLine: true))', expected done, failed or diverged")
                }
                var r = RunRecord(cellHash: try row["cell_hash"], suiteName: try row["suite_name"], suiteHash: try row["suite_hash"],
                                  suiteText: try row["suite_text"], methodLabel: try row["method"], methodName: try row["method_name"],
                                  methodParameters: try row["method_params"], external: try row["external"],
                                  externalCommand: try row["external_command"], sv: try row["sv"], sl: try row["sl"], seed: try row["seed"],
                                  order: (try row["order_key"] as String).split(separator: ">").map(String.init),
                                  status: status, message: try row["message"],
                                  measuredSV: try row["measured_sv"], measuredSL: try row["measured_sl"],
                                  wallSeconds: try row["wall_seconds"], finishedAt: try row["finished_at"], provenance: p)
                r.log = try row["log"]
                r.lossKnown = try row["loss_known"]
                if let commit = try row["method_commit"] as String? {
                    r.methodVersion = MethodVersion(commit: commit, dirty: try row["method_dirty"], repository: try row["method_repository"])
                }
                if let file = try row["imported_from"] as String?, let sha = try row["imported_sha256"] as String? {
                    r.importSource = ImportSource(file: file, sha256: sha)
                }
                r.model = try row["model"]
                r.trainingProtocol = try row["protocol"]
                r.similarityImages = try row["similarity_images"]
                r.similarityCaptions = try row["similarity_captions"]
                let id: Int64 = try row["id"]
                position[id] = runs.count
                runs.append(StoredRun(id: id, record: r))
            }
            // The child rows of the selected runs, one statement per table; columns by position
            // (after rowid and run_id), each checked as it is read.
            let scope = suite == nil ? "" : " WHERE run_id IN (SELECT r.id FROM run r JOIN suite s ON s.id = r.suite_id WHERE s.name = ?)"
            func each(_ columns: String, _ table: String, _ order: String, _ body: (Int, CheckedRow) throws -> Void) throws {
                let rows = try Row.fetchCursor(db, sql: "SELECT rowid, run_id, \(columns) FROM \(table)\(scope) ORDER BY run_id, \(order)",
                                               arguments: args)
                while let raw = try rows.next() {
                    let row = CheckedRow(raw, table: table, path: path)
                    if let i = position[try row[1]] { try body(i, row) }
                }
            }
            try each("stage, column_index, environment, held_out, accuracy, loss", "accuracy", "stage, column_index") { i, row in
                runs[i].record.accuracy.append(.init(stage: try row.index("stage"), column: try row.index("column_index"),
                                                     environment: try row[4], heldOut: try row[5], accuracy: try row[6], loss: try row[7]))
            }
            try each("name, value", "metric", "name") { i, row in
                runs[i].record.metrics[try row[2]] = try row[3] as Double?
            }
            try each("stage, trained, earlier, sv, sl, sx_earlier_trained, sx_trained_earlier, drift_vision, drift_language, forgetting",
                     "contribution", "stage, earlier") { i, row in
                runs[i].record.contributions.append(.init(stage: try row.index("stage"), trained: try row[3], earlier: try row[4], sv: try row[5],
                                                          sl: try row[6], sxEarlierTrained: try row[7], sxTrainedEarlier: try row[8],
                                                          driftVision: try row[9], driftLanguage: try row[10], forgetting: try row[11]))
            }
            try each("stage, environment, vision_accuracy, language_accuracy, shared_accuracy, vision_loss, language_loss, shared_loss",
                     "attribution", "stage, environment") { i, row in
                runs[i].record.attributions.append(.init(stage: try row.index("stage"), environment: try row[3],
                                                         accuracy: GroupValues(vision: try row[4], language: try row[5], shared: try row[6]),
                                                         loss: GroupValues(vision: try row[7], language: try row[8], shared: try row[9])))
            }
            try each("stage, environment, alignment, modality_gap, clip_loss", "embedding_stat", "stage, environment") { i, row in
                runs[i].record.embeddings.append(.init(stage: try row.index("stage"), environment: try row[3], alignment: try row[4],
                                                       modalityGap: try row[5], clipLoss: try row[6] as Double?))
            }
            try each("stage, in_environment, out_environment, auroc, con_i_t", "ood_pair", "stage, in_environment, out_environment") { i, row in
                runs[i].record.oodPairs.append(.init(stage: try row.index("stage"), inEnvironment: try row[3], outEnvironment: try row[4],
                                                     auroc: try row.fraction("auroc"), conImageToText: try row[6]))
            }
            try each("stage, auroc", "ood_cumulative", "stage") { i, row in
                runs[i].record.oodCumulative.append(.init(stage: try row.index("stage"), auroc: try row.fraction("auroc")))
            }
            try each("stage, environment_a, environment_b, con_i_t, con_t_i, con_i_i, con_t_t", "con_pair", "stage, environment_a, environment_b") { i, row in
                runs[i].record.conPairs.append(.init(stage: try row.index("stage"), environmentA: try row[3], environmentB: try row[4],
                                                     conImageToText: try row.cosine("con_i_t"), conTextToImage: try row.cosine("con_t_i"),
                                                     conImageToImage: try row.cosine("con_i_i"), conTextToText: try row.cosine("con_t_t")))
            }
            try each((["stage"] + RunRecord.GradientAlignmentRow.columns).joined(separator: ", "), "gradient_alignment", "stage") { i, row in
                func values(_ f: String, _ read: (String) throws -> Double) throws -> GroupValues {
                    GroupValues(vision: try read("\(f)_vision"), language: try read("\(f)_language"), shared: try read("\(f)_shared"))
                }
                let a = GradientAlignment(cosine: try row.cosine("cosine"), unscaledCosine: try row.cosine("unscaled_cosine"),
                                          groupCosine: try values("cosine", row.cosine), newNorm: try values("new_norm", row.norm),
                                          oldNorm: try values("old_norm", row.norm), scale: try values("scale", row.norm))
                runs[i].record.gradientAlignment.append(.init(stage: try row.index("stage"), alignment: a))
            }
            for run in runs { try Self.checkMatrix(run, path: path) }
            return runs
        }
    }

    /// An accuracy matrix holds each (stage, column) once, every column names one environment
    /// and one side (trained or held out) in every stage.
    static func checkMatrix(_ run: StoredRun, path: String) throws {
        var seen = Set<Int>()
        var columns: [Int: (String, Bool)] = [:]
        for a in run.record.accuracy {
            guard seen.insert(a.stage * (CheckedRow.maxIndex + 1) + a.column).inserted else {
                throw StoreError("\(path): table accuracy: run \(run.id) has stage \(a.stage), column \(a.column) twice")
            }
            if let c = columns[a.column], c != (a.environment, a.heldOut) {
                throw StoreError("\(path): table accuracy: run \(run.id), column \(a.column) names '\(c.0)' and '\(a.environment)'")
            }
            columns[a.column] = (a.environment, a.heldOut)
        }
    }

    /// What `clvbench list` can show of a database.
    public enum Listing: String, Sendable, CaseIterable { case suites, versions, methods, runs }

    /// Counts for `clvbench list`.
    public func listing(_ what: Listing) throws -> [[String: String]] {
        let sql: String
        switch what {
        case .suites:
            sql = "SELECT s.name AS suite, substr(s.hash, 1, 12) AS hash, count(r.id) AS runs FROM suite s LEFT JOIN run r ON r.suite_id = s.id GROUP BY s.id ORDER BY s.name"
        case .versions:
            sql = "SELECT substr(c.commit_hash, 1, 12) || CASE WHEN instr(c.commit_hash, '+') > 12 THEN substr(c.commit_hash, instr(c.commit_hash, '+')) ELSE '' END AS commit_hash, CASE c.dirty WHEN 1 THEN 'dirty' ELSE 'clean' END AS tree, count(r.id) AS runs, max(r.finished_at) AS last_run FROM code_version c LEFT JOIN run r ON r.code_version_id = c.id OR r.method_version_id = c.id GROUP BY c.id ORDER BY last_run"
        case .methods:
            sql = "SELECT method, method_name, CASE WHEN imported_sha256 IS NOT NULL THEN 'imported' WHEN external = 1 THEN 'external' ELSE 'built-in' END AS kind, count(*) AS runs FROM run GROUP BY method ORDER BY method"
        case .runs:
            sql = """
                SELECT r.id, s.name AS suite, r.method, r.sv, r.sl, r.seed, r.order_key AS "order", r.status,
                       (SELECT round(value, 4) FROM metric WHERE run_id = r.id AND name = 'last') AS last,
                       (SELECT round(value, 4) FROM metric WHERE run_id = r.id AND name = 'forgetting') AS forgetting
                FROM run r JOIN suite s ON s.id = r.suite_id ORDER BY r.id
                """
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
    public static func listingColumns(_ what: Listing) -> [String] {
        switch what {
        case .suites: ["suite", "hash", "runs"]
        case .versions: ["commit_hash", "tree", "runs", "last_run"]
        case .methods: ["method", "method_name", "kind", "runs"]
        case .runs: ["id", "suite", "method", "sv", "sl", "seed", "order", "status", "last", "forgetting"]
        }
    }
}

extension CheckedRow {
    /// An AUROC: a number in [0, 1] (an edited file could hold anything).
    func fraction(_ column: String) throws -> Double {
        let v: Double = try self[column]
        guard (0...1).contains(v) else { throw problem(column, "= \(v) is outside [0, 1]") }
        return v
    }

    /// A gradient norm or a step factor: a finite number ≥ 0.
    func norm(_ column: String) throws -> Double {
        let v: Double = try self[column]
        guard v.isFinite, v >= 0 else { throw problem(column, "= \(v) is not a finite number ≥ 0") }
        return v
    }

    /// A dot product of two mean unit vectors: a number in [-1, 1] (with room for rounding).
    func cosine(_ column: String) throws -> Double {
        let v: Double = try self[column]
        guard v.isFinite, abs(v) <= 1 + 1e-9 else { throw problem(column, "= \(v) is outside [-1, 1]") }
        return v
    }
}
