import CSQLite3
import Foundation
import GRDB

/// A problem with the database file, said so a user can act on it.
public struct StoreError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// A suite, code version or other name the database does not hold, with the names it does.
public struct UnknownNameError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The results database: SQLite in WAL mode with a busy timeout, so several processes can
/// write one file; schema versions applied by migrations. Opening never replaces or deletes an
/// existing file: a file that is not a clvbench database, is corrupt, read-only, locked or from
/// a newer clvbench is refused with a message, after read-only checks only (nothing is written
/// to a file that is then refused). A store opened for writing checkpoints its write-ahead log
/// into the database file when it closes, so the `.sqlite` file alone holds every stored run.
public final class Store: Sendable {
    public let path: String
    let pool: any DatabaseWriter
    let mode: Mode

    public enum Mode: Sendable { case readWrite, readOnly }

    /// Opens (and, in read-write mode, creates and migrates) the database at `path`.
    public init(path: String, mode: Mode = .readWrite, busyTimeout: TimeInterval = 60) throws {
        self.path = path
        self.mode = mode
        let fm = FileManager.default
        let file = DatabaseFile(path)
        let exists = try file.check()
        if mode == .readOnly && !exists {
            throw StoreError("\(path): no such database (run `clvbench run` first, or pass --db)")
        }
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        do {
            if exists {
                // Read-only first: a corrupt file or one from a newer clvbench is refused
                // before anything could write to it (opening for writing switches the journal
                // mode and bumps the change counter).
                let hadLog = fm.fileExists(atPath: path + "-wal") || fm.fileExists(atPath: path + "-shm")
                let reader = try file.openForReading(config, busyTimeout: busyTimeout)
                // A refused file keeps no trace of the check: SQLite's empty log files go too.
                var accepted = false
                defer {
                    if !accepted {
                        try? reader.close()
                        if !hadLog { file.removeEmptyLog() }
                    }
                }
                let migrator = Schema.migrator
                let superseded = try Store.retryingWhileBusy(seconds: busyTimeout) { try reader.read { try migrator.hasBeenSuperseded($0) } }
                if superseded {
                    throw StoreError("\(path): written by a newer clvbench (schema has migrations this version does not know); "
                        + "use a newer clvbench or another --db; it was left untouched")
                }
                if mode == .readWrite {
                    let verdict = try reader.read { try String.fetchAll($0, sql: "PRAGMA quick_check") }
                    guard verdict == ["ok"] else {
                        throw StoreError("\(path): the database is corrupt (\(verdict.prefix(3).joined(separator: "; "))); it was left untouched")
                    }
                }
                accepted = true
                if mode == .readOnly, !file.directoryIsWritable || !fm.isWritableFile(atPath: path) {
                    guard try reader.read({ try migrator.hasCompletedMigrations($0) }) else {
                        throw StoreError("\(path): the database schema is older than this clvbench and the file or its directory "
                            + "is read-only; migrate a writable copy (any `clvbench run --db COPY` does)")
                    }
                    pool = reader
                    return
                }
                try reader.close()
            }
            if mode == .readWrite {
                try file.checkWritable(exists: exists)
            }
            config.readonly = mode == .readOnly
            pool = try Store.retryingWhileBusy(seconds: busyTimeout) { try DatabasePool(path: path, configuration: config) }
            let migrator = Schema.migrator
            if mode == .readWrite {
                try Store.migrate(migrator, pool)
            } else if try !pool.read({ try migrator.hasCompletedMigrations($0) }) {
                // Written by an older clvbench. Migrations only add tables and columns, so bring
                // the file up to date (what any `clvbench run` would do) and read on.
                var writable = config
                writable.readonly = false
                let writer = try Store.retryingWhileBusy(seconds: busyTimeout) { try DatabasePool(path: path, configuration: writable) }
                try Store.migrate(migrator, writer)
                try writer.close()
            }
        } catch let e as StoreError {
            throw e
        } catch let e as DatabaseError {
            throw Store.explain(e, path: path)
        }
    }

    /// Moves the write-ahead log into the database file and empties it, so a copy of the
    /// `.sqlite` file alone is complete. Called when a writing store closes; a failure (another
    /// process reading) leaves the log in place, which SQLite reads as part of the database.
    public func checkpoint() throws {
        guard mode == .readWrite, let pool = pool as? DatabasePool else { return }
        do { _ = try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) } } catch let e as DatabaseError {
            throw Store.explain(e, path: path)
        }
    }

    deinit { try? checkpoint() }

    /// The SQLite library in use (for `clvbench doctor`).
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }

    /// Retries `body` while SQLite answers busy or locked (opening a new file switches it to WAL,
    /// which needs a moment of exclusive access), up to `seconds`.
    static func retryingWhileBusy<T>(seconds: Double, _ body: () throws -> T) throws -> T {
        let end = Date().addingTimeInterval(seconds)
        var pause = 0.01
        while true {
            do { return try body() } catch let e as DatabaseError
                where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(e.resultCode.primaryResultCode) && Date() < end {
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 0.2)
            }
        }
    }

    /// Two processes opening a new file at once may both try to create the schema; the loser's
    /// attempt fails on the winner's tables, and a second attempt then finds them applied.
    static func migrate(_ migrator: DatabaseMigrator, _ pool: any DatabaseWriter) throws {
        var attempt = 0
        while true {
            do {
                try migrator.migrate(pool)
                return
            } catch let e as DatabaseError where attempt < 5 && e.resultCode.primaryResultCode != .SQLITE_NOTADB {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.05 * Double(attempt))
            }
        }
    }

    static func explain(_ e: DatabaseError, path: String) -> StoreError {
        switch e.resultCode.primaryResultCode {
        case .SQLITE_NOTADB: return StoreError("\(path): not a clvbench database (the file is not SQLite); it was left untouched")
        case .SQLITE_CORRUPT: return StoreError("\(path): the database is corrupt (\(e.message ?? "")); it was left untouched")
        case .SQLITE_BUSY, .SQLITE_LOCKED: return StoreError("\(path): the database stayed locked by another process; try again when it finishes")
        case .SQLITE_READONLY: return StoreError("\(path): the database is read-only (check its permissions)")
        case .SQLITE_CANTOPEN: return StoreError(DatabaseFile(path).cannotOpen())
        case .SQLITE_FULL: return StoreError("\(path): the disk is full; nothing of the failed write was kept")
        default: return StoreError("\(path): \(e.message ?? "\(e)")")
        }
    }

    /// Runs a write transaction, translating SQLite errors.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let e as DatabaseError { throw Store.explain(e, path: path) }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as DatabaseError { throw Store.explain(e, path: path) }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws -> String {
        try read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "no answer" }
    }

}
