import Foundation
import GRDB

/// A problem with the database file, said so a user can act on it.
public struct StoreError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The results database: SQLite in WAL mode with a busy timeout, so several processes can
/// write one file; schema versions applied by migrations. Opening never replaces or deletes an
/// existing file: a file that is not a clvbench database, is corrupt, read-only, locked or from
/// a newer clvbench is refused with a message.
public final class Store: Sendable {
    public let path: String
    let pool: DatabasePool

    public enum Mode: Sendable { case readWrite, readOnly }

    /// Opens (and, in read-write mode, creates and migrates) the database at `path`.
    public init(path: String, mode: Mode = .readWrite, busyTimeout: TimeInterval = 60) throws {
        self.path = path
        let fm = FileManager.default
        if mode == .readOnly && !fm.fileExists(atPath: path) {
            throw StoreError("\(path): no such database (run `clvbench run` first, or pass --db)")
        }
        if mode == .readWrite {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try? fm.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            if fm.fileExists(atPath: path) && !fm.isWritableFile(atPath: path) {
                throw StoreError("\(path): the database is read-only (check its permissions)")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.readonly = mode == .readOnly
        config.foreignKeysEnabled = true
        do {
            pool = try Store.retryingWhileBusy(seconds: busyTimeout) { try DatabasePool(path: path, configuration: config) }
            let migrator = Schema.migrator
            let pool = self.pool
            let superseded = try Store.retryingWhileBusy(seconds: busyTimeout) { try pool.read { try migrator.hasBeenSuperseded($0) } }
            if superseded {
                throw StoreError("\(path): written by a newer clvbench (schema has migrations this version does not know); "
                    + "use a newer clvbench or another --db")
            }
            if mode == .readWrite {
                try Store.migrate(migrator, pool)
            } else if try !pool.read({ try migrator.hasCompletedMigrations($0) }) {
                // Written by an older clvbench. Migrations only add tables and columns, so bring
                // the file up to date (what any `clvbench run` would do) and read on.
                guard fm.isWritableFile(atPath: path) else {
                    throw StoreError("\(path): the database schema is older than this clvbench and the file is read-only; "
                        + "migrate a writable copy (any `clvbench run --db COPY` does)")
                }
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
    static func migrate(_ migrator: DatabaseMigrator, _ pool: DatabasePool) throws {
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
        case .SQLITE_CANTOPEN: return StoreError("\(path): cannot open the database file (missing directory or permissions)")
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

    public var schemaVersion: Int { Schema.version }
}
