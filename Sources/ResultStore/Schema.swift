import GRDB

/// The database schema, as GRDB migrations. A migration is never edited once released:
/// changes come as new migrations, appended. docs/schema.md documents the tables.
enum Schema {
    /// Identifiers of every migration this version knows, in order. A database that has
    /// applied one not in this list was written by a newer clvbench.
    static let migrationIDs = ["v1", "v2-run-log", "v3-benchmark-context", "v4-method-version-import", "v5-run-model", "v6-run-protocol",
                                "v7-embedding-clip-loss", "v8-ood-auroc", "v9-run-distribution-similarity",
                                "v10-con-pair", "v11-gradient-alignment"]
    static let version = migrationIDs.count

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE code_version (
                    id INTEGER PRIMARY KEY,
                    commit_hash TEXT NOT NULL,
                    dirty INTEGER NOT NULL,
                    UNIQUE (commit_hash, dirty));
                CREATE TABLE machine (
                    id INTEGER PRIMARY KEY,
                    fingerprint TEXT NOT NULL UNIQUE,
                    cpu TEXT NOT NULL, cores INTEGER NOT NULL, os TEXT NOT NULL,
                    swift TEXT NOT NULL, openblas TEXT NOT NULL);
                CREATE TABLE suite (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE,
                    text TEXT NOT NULL);
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY,
                    run_key TEXT NOT NULL UNIQUE,
                    cell_hash TEXT NOT NULL,
                    suite_id INTEGER NOT NULL REFERENCES suite(id),
                    code_version_id INTEGER NOT NULL REFERENCES code_version(id),
                    machine_id INTEGER NOT NULL REFERENCES machine(id),
                    method TEXT NOT NULL,
                    method_name TEXT NOT NULL,
                    method_params TEXT NOT NULL,
                    external INTEGER NOT NULL DEFAULT 0,
                    external_command TEXT,
                    sv REAL NOT NULL, sl REAL NOT NULL,
                    seed INTEGER NOT NULL,
                    order_key TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('done', 'failed', 'diverged')),
                    message TEXT,
                    measured_sv REAL, measured_sl REAL,
                    threads INTEGER NOT NULL,
                    openblas_core TEXT NOT NULL,
                    wall_seconds REAL NOT NULL,
                    finished_at TEXT NOT NULL);
                CREATE INDEX run_by_suite ON run (suite_id, code_version_id, method, sv, sl);
                CREATE INDEX run_by_cell ON run (cell_hash, code_version_id);
                CREATE TABLE accuracy (
                    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    stage INTEGER NOT NULL,
                    column_index INTEGER NOT NULL,
                    environment TEXT NOT NULL,
                    held_out INTEGER NOT NULL,
                    accuracy REAL NOT NULL,
                    loss REAL NOT NULL,
                    PRIMARY KEY (run_id, stage, column_index));
                CREATE TABLE metric (
                    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    value REAL,
                    PRIMARY KEY (run_id, name));
                CREATE INDEX metric_by_name ON metric (name);
                CREATE TABLE contribution (
                    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    stage INTEGER NOT NULL,
                    trained TEXT NOT NULL,
                    earlier TEXT NOT NULL,
                    sv REAL NOT NULL, sl REAL NOT NULL,
                    sx_earlier_trained REAL NOT NULL, sx_trained_earlier REAL NOT NULL,
                    drift_vision REAL NOT NULL, drift_language REAL NOT NULL,
                    forgetting REAL NOT NULL,
                    PRIMARY KEY (run_id, stage, earlier));
                CREATE TABLE attribution (
                    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    stage INTEGER NOT NULL,
                    environment TEXT NOT NULL,
                    vision_accuracy REAL NOT NULL, language_accuracy REAL NOT NULL, shared_accuracy REAL NOT NULL,
                    vision_loss REAL NOT NULL, language_loss REAL NOT NULL, shared_loss REAL NOT NULL,
                    PRIMARY KEY (run_id, stage, environment));
                CREATE TABLE embedding_stat (
                    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    stage INTEGER NOT NULL,
                    environment TEXT NOT NULL,
                    alignment REAL NOT NULL,
                    modality_gap REAL NOT NULL,
                    PRIMARY KEY (run_id, stage, environment));
                CREATE TABLE benchmark (
                    id INTEGER PRIMARY KEY,
                    code_version_id INTEGER NOT NULL REFERENCES code_version(id),
                    machine_id INTEGER NOT NULL REFERENCES machine(id),
                    name TEXT NOT NULL,
                    value REAL NOT NULL,
                    unit TEXT NOT NULL,
                    measured_at TEXT NOT NULL);
                """)
        }
        // v2: the standard error of an external method's process, kept with its run.
        m.registerMigration("v2-run-log") { db in
            try db.execute(sql: "ALTER TABLE run ADD COLUMN log TEXT")
        }
        // v3: a benchmark figure's OpenBLAS kernel (the same CPU gives twice the GEMM speed with
        // another core type) and how it was measured, so figures compare like with like.
        m.registerMigration("v3-benchmark-context") { db in
            try db.execute(sql: """
                ALTER TABLE benchmark ADD COLUMN openblas_core TEXT NOT NULL DEFAULT '';
                ALTER TABLE benchmark ADD COLUMN detail TEXT NOT NULL DEFAULT '';
                CREATE INDEX benchmark_by_name ON benchmark (name, machine_id);
                """)
        }
        // v4: the method's own code version beside clvbench's (NULL for built-in methods), the
        // repository it was read from, where an imported run came from, and whether its
        // accuracy rows carry losses (an import without a loss matrix stores 0 and says so).
        m.registerMigration("v4-method-version-import") { db in
            try db.execute(sql: """
                ALTER TABLE run ADD COLUMN method_version_id INTEGER REFERENCES code_version(id);
                ALTER TABLE run ADD COLUMN method_repository TEXT;
                ALTER TABLE run ADD COLUMN imported_from TEXT;
                ALTER TABLE run ADD COLUMN imported_sha256 TEXT;
                ALTER TABLE run ADD COLUMN loss_known INTEGER NOT NULL DEFAULT 1;
                """)
        }
        // v5: the model of each run (models are an axis of the grid); runs stored before it
        // had the one standard model.
        m.registerMigration("v5-run-model") { db in
            try db.execute(sql: "ALTER TABLE run ADD COLUMN model TEXT NOT NULL DEFAULT 'mlp-bag'")
        }
        // v6: the protocol of each run (protocols are an axis of the grid: adaptive tunes the
        // encoders, frozen trains a shared head); runs stored before it were adaptive.
        m.registerMigration("v6-run-protocol") { db in
            try db.execute(sql: "ALTER TABLE run ADD COLUMN protocol TEXT NOT NULL DEFAULT 'adaptive'")
        }
        // v7: the CLIP loss of each environment's evaluation pairs at each checkpoint (T1's
        // ΔCLIP); NULL for runs stored before it and for external or imported runs.
        m.registerMigration("v7-embedding-clip-loss") { db in
            try db.execute(sql: "ALTER TABLE embedding_stat ADD COLUMN clip_loss REAL")
        }
        // v8: OOD detection at every checkpoint (MCM AUROC, #16 item 6): each ordered pair of
        // trained environments (a's images and prompts in, b's images out) with Con_I→T(a, b) at
        // the same checkpoint, and the cumulative AUROC (trained so far against held out).
        // Built-in runs only; runs stored before it have no rows.
        m.registerMigration("v8-ood-auroc") { db in
            try db.execute(sql: """
                CREATE TABLE ood_pair (
                    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    stage INTEGER NOT NULL,
                    in_environment TEXT NOT NULL,
                    out_environment TEXT NOT NULL,
                    auroc REAL NOT NULL,
                    con_i_t REAL NOT NULL,
                    PRIMARY KEY (run_id, stage, in_environment, out_environment));
                CREATE TABLE ood_cumulative (
                    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    stage INTEGER NOT NULL,
                    auroc REAL NOT NULL,
                    PRIMARY KEY (run_id, stage));
                """)
        }
        // v9: the similarity that follows the dials (1 − normalised MMD² between the trained
        // environments' pretrained embeddings), beside measured_sv/sl; NULL before it.
        m.registerMigration("v9-run-distribution-similarity") { db in
            try db.execute(sql: """
                ALTER TABLE run ADD COLUMN similarity_images REAL;
                ALTER TABLE run ADD COLUMN similarity_captions REAL;
                """)
        }
        // v10: the paper's four contribution scores of every ordered pair (a, b) of trained
        // environments at every checkpoint, stage 0 = pretrained (#16 item 3). ood_pair keeps its
        // own con_i_t. Runs stored before it and imported runs have no rows.
        m.registerMigration("v10-con-pair") { db in
            try db.execute(sql: """
                CREATE TABLE con_pair (
                    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    stage INTEGER NOT NULL,
                    environment_a TEXT NOT NULL,
                    environment_b TEXT NOT NULL,
                    con_i_t REAL NOT NULL,
                    con_t_i REAL NOT NULL,
                    con_i_i REAL NOT NULL,
                    con_t_t REAL NOT NULL,
                    PRIMARY KEY (run_id, stage, environment_a, environment_b));
                """)
        }
        // v11: per stage k ≥ 2 of an adaptive built-in run, the cosine between the stage's first
        // gradient and the earlier environments' prompt-loss gradient (DESIGN.md section 10, CBF):
        // with the method's factors and without, per parameter group, the groups' norms and the
        // factors. Frozen, external and imported runs and runs stored before it have no rows.
        m.registerMigration("v11-gradient-alignment") { db in
            try db.execute(sql: """
                CREATE TABLE gradient_alignment (
                    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    stage INTEGER NOT NULL,
                    cosine REAL NOT NULL,
                    unscaled_cosine REAL NOT NULL,
                    cosine_vision REAL NOT NULL,
                    cosine_language REAL NOT NULL,
                    cosine_shared REAL NOT NULL,
                    new_norm_vision REAL NOT NULL,
                    new_norm_language REAL NOT NULL,
                    new_norm_shared REAL NOT NULL,
                    old_norm_vision REAL NOT NULL,
                    old_norm_language REAL NOT NULL,
                    old_norm_shared REAL NOT NULL,
                    scale_vision REAL NOT NULL,
                    scale_language REAL NOT NULL,
                    scale_shared REAL NOT NULL,
                    PRIMARY KEY (run_id, stage));
                """)
        }
        return m
    }
}
