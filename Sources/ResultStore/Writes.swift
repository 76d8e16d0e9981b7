import Foundation
import GRDB

extension Store {
    /// What happened to a run handed to `insert`.
    public enum InsertOutcome: Sendable, Equatable {
        case inserted(id: Int64)
        /// A finished run with the same key was already stored; nothing was written.
        case alreadyStored
        /// `force` replaced the stored run of the same key.
        case replaced(id: Int64)
    }

    /// Writes a run and all its rows in one transaction: either all of it is stored or none.
    /// A stored failed run is replaced by a new attempt; a stored finished run only with `force`.
    @discardableResult
    public func insert(_ r: RunRecord, force: Bool = false) throws -> InsertOutcome {
        try write { db in
            var replaced = false
            if let (id, status) = try Row.fetchOne(db, sql: "SELECT id, status FROM run WHERE run_key = ?", arguments: [r.runKey])
                .map({ ($0[0] as Int64, $0[1] as String) })
            {
                if status != "failed" && !force { return .alreadyStored }
                try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [id])
                replaced = true
            }
            let id = try writeRun(db, r)
            return replaced ? .replaced(id: id) : .inserted(id: id)
        }
    }

    /// The rows of one run, inside the caller's transaction; returns its id.
    func writeRun(_ db: Database, _ r: RunRecord) throws -> Int64 {
            let suite = try upsertSuite(db, name: r.suiteName, hash: r.suiteHash, text: r.suiteText)
            let code = try upsertCodeVersion(db, commit: r.provenance.commit, dirty: r.provenance.dirty)
            let machine = try upsertMachine(db, r.provenance)
            let methodVersion = try r.methodVersion.map { try upsertCodeVersion(db, commit: $0.commit, dirty: $0.dirty) }
            try db.execute(sql: """
                INSERT INTO run (run_key, cell_hash, suite_id, code_version_id, machine_id, method, method_name,
                    method_params, external, external_command, sv, sl, seed, order_key, status, message,
                    measured_sv, measured_sl, threads, openblas_core, wall_seconds, finished_at, log,
                    method_version_id, method_repository, imported_from, imported_sha256, loss_known, model, protocol,
                    similarity_images, similarity_captions)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [r.runKey, r.cellHash, suite, code, machine, r.methodLabel, r.methodName, r.methodParameters,
                                 r.external, r.externalCommand, r.sv, r.sl, r.seed, r.orderKey, r.status.rawValue,
                                 r.message, r.measuredSV, r.measuredSL, r.provenance.threads, r.provenance.openblasCore,
                                 r.wallSeconds, r.finishedAt, r.log, methodVersion, r.methodVersion?.repository,
                                 r.importSource?.file, r.importSource?.sha256, r.lossKnown, r.model, r.trainingProtocol,
                                 r.similarityImages, r.similarityCaptions])
            let id = db.lastInsertedRowID
            let acc = try db.cachedStatement(sql: "INSERT INTO accuracy VALUES (?, ?, ?, ?, ?, ?, ?)")
            for a in r.accuracy {
                try acc.execute(arguments: [id, a.stage, a.column, a.environment, a.heldOut, a.accuracy, a.loss])
            }
            let met = try db.cachedStatement(sql: "INSERT INTO metric VALUES (?, ?, ?)")
            for name in r.metrics.keys.sorted() { try met.execute(arguments: [id, name, r.metrics[name]!]) }
            let con = try db.cachedStatement(sql: "INSERT INTO contribution VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            for c in r.contributions {
                try con.execute(arguments: [id, c.stage, c.trained, c.earlier, c.sv, c.sl, c.sxEarlierTrained,
                                            c.sxTrainedEarlier, c.driftVision, c.driftLanguage, c.forgetting])
            }
            let att = try db.cachedStatement(sql: "INSERT INTO attribution VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            for a in r.attributions {
                try att.execute(arguments: [id, a.stage, a.environment, a.accuracy.vision, a.accuracy.language, a.accuracy.shared,
                                            a.loss.vision, a.loss.language, a.loss.shared])
            }
            let emb = try db.cachedStatement(sql: "INSERT INTO embedding_stat (run_id, stage, environment, alignment, modality_gap, clip_loss) VALUES (?, ?, ?, ?, ?, ?)")
            for e in r.embeddings { try emb.execute(arguments: [id, e.stage, e.environment, e.alignment, e.modalityGap, e.clipLoss]) }
            let pair = try db.cachedStatement(sql: "INSERT INTO ood_pair (run_id, stage, in_environment, out_environment, auroc, con_i_t) VALUES (?, ?, ?, ?, ?, ?)")
            for o in r.oodPairs { try pair.execute(arguments: [id, o.stage, o.inEnvironment, o.outEnvironment, o.auroc, o.conImageToText]) }
            let cum = try db.cachedStatement(sql: "INSERT INTO ood_cumulative (run_id, stage, auroc) VALUES (?, ?, ?)")
            for o in r.oodCumulative { try cum.execute(arguments: [id, o.stage, o.auroc]) }
            let conPair = try db.cachedStatement(sql: "INSERT INTO con_pair (run_id, stage, environment_a, environment_b, con_i_t, con_t_i, con_i_i, con_t_t) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            for c in r.conPairs {
                try conPair.execute(arguments: [id, c.stage, c.environmentA, c.environmentB, c.conImageToText, c.conTextToImage,
                                            c.conImageToImage, c.conTextToText])
            }
            let columns = RunRecord.GradientAlignmentRow.columns
            let grad = try db.cachedStatement(sql: "INSERT INTO gradient_alignment (run_id, stage, \(columns.joined(separator: ", "))) VALUES (?, ?\(String(repeating: ", ?", count: columns.count)))")
            for row in r.gradientAlignment {
                let values: [any DatabaseValueConvertible] = [id, row.stage] + row.values
                try grad.execute(arguments: StatementArguments(values))
            }
            return id
    }

    func upsertSuite(_ db: Database, name: String, hash: String, text: String) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM suite WHERE hash = ?", arguments: [hash]) { return id }
        try db.execute(sql: "INSERT INTO suite (name, hash, text) VALUES (?, ?, ?)", arguments: [name, hash, text])
        return db.lastInsertedRowID
    }

    func upsertCodeVersion(_ db: Database, commit: String, dirty: Bool) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM code_version WHERE commit_hash = ? AND dirty = ?",
                                       arguments: [commit, dirty]) { return id }
        try db.execute(sql: "INSERT INTO code_version (commit_hash, dirty) VALUES (?, ?)", arguments: [commit, dirty])
        return db.lastInsertedRowID
    }

    func upsertMachine(_ db: Database, _ p: RunRecord.Provenance) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM machine WHERE fingerprint = ?", arguments: [p.machineFingerprint]) { return id }
        try db.execute(sql: "INSERT INTO machine (fingerprint, cpu, cores, os, swift, openblas) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [p.machineFingerprint, p.cpu, p.cores, p.os, p.swift, p.openblas])
        return db.lastInsertedRowID
    }

    /// Run keys already finished (done or diverged), so a rerun skips them.
    public func finishedRunKeys() throws -> Set<String> {
        try read { try String.fetchSet($0, sql: "SELECT run_key FROM run WHERE status != 'failed'") }
    }
}
