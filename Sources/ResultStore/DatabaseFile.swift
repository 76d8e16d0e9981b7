import Foundation
import GRDB

/// The database file and its directory, checked before SQLite opens them, so a problem is
/// said in terms of the path (not "disk I/O error") and nothing is written to a file that
/// turns out to be something else.
struct DatabaseFile {
    let path: String
    let directory: String

    init(_ path: String) {
        self.path = path
        let d = (path as NSString).deletingLastPathComponent
        directory = d.isEmpty ? "." : d
    }

    var directoryIsWritable: Bool { access(directory, W_OK) == 0 }

    /// Whether the file exists; throws when it exists but cannot be a clvbench database.
    func check() throws -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT {
                var d = stat()
                if stat(directory, &d) == 0 && (d.st_mode & S_IFMT) != S_IFDIR {
                    throw StoreError("\(directory): not a directory, so \(path) cannot be a database there; pass another --db")
                }
                return false
            }
            throw StoreError("\(path): \(String(cString: strerror(errno))) (check the path and its permissions)")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            let kind = (st.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
            throw StoreError("\(path): \(kind), not a database; pass the .sqlite file with --db")
        }
        if st.st_size == 0 { return true }  // SQLite takes an empty file as a new database
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError("\(path): cannot read the database (\(String(cString: strerror(errno)))); check its permissions") }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 16)
        let n = read(fd, &header, 16)
        guard n == 16, header == Array("SQLite format 3\0".utf8) else {
            throw StoreError("\(path): not a clvbench database (the file is not SQLite); it was left untouched")
        }
        return true
    }

    /// True when the file is in WAL mode (header bytes 18 and 19 are 2).
    var isWAL: Bool {
        guard let h = FileHandle(forReadingAtPath: path), let d = try? h.read(upToCount: 20), d.count == 20 else { return false }
        try? h.close()
        return d[18] == 2 && d[19] == 2
    }

    /// A read-only connection. In a read-only directory a WAL database cannot get its shared-
    /// memory file, so it is opened as immutable (safe because nobody can write there: SQLite
    /// would need the same directory); a non-empty log there would be ignored, so that is refused.
    func openForReading(_ base: Configuration, busyTimeout: TimeInterval) throws -> DatabaseQueue {
        var config = base
        config.readonly = true
        let fm = FileManager.default
        if !directoryIsWritable && isWAL && !fm.fileExists(atPath: path + "-shm") {
            let log = (try? fm.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            guard log == 0 else {
                throw StoreError("\(directory): the directory is read-only and \(path)-wal holds changes not yet in the database; "
                    + "open it once where the directory is writable (any `clvbench list --db` there does)")
            }
            return try DatabaseQueue(path: Self.immutableURI(path), configuration: config)
        }
        return try Store.retryingWhileBusy(seconds: busyTimeout) { try DatabaseQueue(path: path, configuration: config) }
    }

    /// `file:` URI with `immutable=1`, the path percent-encoded.
    static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "/-._~")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
    }

    /// Writing needs the directory (SQLite keeps its log and shared memory beside the file) and the file.
    func checkWritable(exists: Bool) throws {
        if !FileManager.default.fileExists(atPath: directory) {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw StoreError("\(directory): cannot create the directory for the database; check the path and its permissions")
            }
        }
        guard directoryIsWritable else {
            throw StoreError("\(directory): the directory is read-only; SQLite writes its log beside \((path as NSString).lastPathComponent), "
                + "so writing needs a writable directory (or pass --db elsewhere)")
        }
        if exists && access(path, W_OK) != 0 {
            throw StoreError("\(path): the database is read-only (check its permissions)")
        }
    }

    /// Removes the -wal and -shm files SQLite created while the file was only read, when the
    /// log holds nothing.
    func removeEmptyLog() {
        let fm = FileManager.default
        guard ((try? fm.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0) == 0 else { return }
        try? fm.removeItem(atPath: path + "-wal")
        try? fm.removeItem(atPath: path + "-shm")
    }

    /// What SQLITE_CANTOPEN means here.
    func cannotOpen() -> String {
        var st = stat()
        if stat(directory, &st) != 0 { return "\(directory): no such directory for the database; create it or pass another --db" }
        if !directoryIsWritable { return "\(directory): the directory is read-only and SQLite needs to create files beside \(path)" }
        return "\(path): cannot open the database file (check its permissions)"
    }
}
