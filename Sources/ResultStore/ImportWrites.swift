import Foundation
import GRDB

extension Store {
    /// Stores imported runs all in one transaction, so an import is stored whole or not at all.
    /// A run whose key is stored already with the same accuracies is skipped (importing a file
    /// twice stores it once); with different accuracies it is an error and nothing is written.
    public func insertImported(_ records: [RunRecord]) throws -> [InsertOutcome] {
        try write { db in
            var outcomes: [InsertOutcome] = []
            for r in records {
                if let id = try Int64.fetchOne(db, sql: "SELECT id FROM run WHERE run_key = ?", arguments: [r.runKey]) {
                    let stored = try Row.fetchAll(db, sql: "SELECT stage, column_index, environment, accuracy FROM accuracy WHERE run_id = ? ORDER BY stage, column_index",
                                                  arguments: [id]).map { "\($0[0] as Int) \($0[1] as Int) \($0[2] as String) \($0[3] as Double)" }
                    let given = r.accuracy.sorted { ($0.stage, $0.column) < ($1.stage, $1.column) }
                        .map { "\($0.stage) \($0.column) \($0.environment) \($0.accuracy)" }
                    guard stored == given else {
                        throw StoreError("\(r.importSource?.file ?? "import"): run \(r.methodLabel) seed \(r.seed) order \(r.orderKey) at version "
                            + "\(r.versionLabel) is stored already (run #\(id)) with other accuracies; nothing was imported "
                            + "(give the new results another --code-version, --seed or --method)")
                    }
                    outcomes.append(.alreadyStored)
                    continue
                }
                outcomes.append(.inserted(id: try writeRun(db, r)))
            }
            return outcomes
        }
    }

    /// The newest stored text of a suite, so imported runs join a suite run natively.
    public func suiteText(named name: String) throws -> (hash: String, text: String)? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT hash, text FROM suite WHERE name = ? ORDER BY id DESC LIMIT 1", arguments: [name])
                .map { ($0[0], $0[1]) }
        }
    }
}
