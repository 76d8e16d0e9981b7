import Foundation

/// A problem writing a file the user named, said with the path and what to do.
public struct OutputError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Writes a file the user named (`export --out`, `plan --slurm` scripts) without touching
/// anything they did not ask for: a path that exists must be a regular file the user may write
/// (a symbolic link, FIFO, device node or directory is refused, never replaced); the new
/// contents go to a temporary file beside it, checked write by write and at close, then renamed
/// over it, so a full disk leaves the old file whole.
public enum OutputFile {
    public static func write(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o644) throws {
        var st = stat()
        var mode = permissions
        if lstat(path, &st) == 0 {
            switch st.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFLNK: throw OutputError("\(path): a symbolic link; not replaced (name the file it points to, or another path)")
            case S_IFDIR: throw OutputError("\(path): a directory; name a file to write")
            default: throw OutputError("\(path): not a regular file (a FIFO, socket or device); not replaced, name another path")
            }
            guard access(path, W_OK) == 0 else { throw OutputError("\(path): the file is read-only; not replaced (check its permissions or name another path)") }
            mode = st.st_mode & 0o7777
        }
        let name = (path as NSString).lastPathComponent
        let parent = (path as NSString).deletingLastPathComponent
        let dir = parent.isEmpty ? "." : parent
        var d = stat()
        guard stat(dir, &d) == 0 else { throw OutputError("\(dir): no such directory; create it first or name another path for \(name)") }
        guard (d.st_mode & S_IFMT) == S_IFDIR else { throw OutputError("\(dir): not a directory; name another path for \(name)") }
        var template = Array("\(dir)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw OutputError("\(dir): cannot create a file there (\(String(cString: strerror(errno)))); check its permissions") }
        let temporary = String(cString: template)
        func fail(_ what: String) -> OutputError {
            let e = OutputError("\(path): \(what) (\(String(cString: strerror(errno)))); the previous contents, if any, are unchanged")
            unlink(temporary)
            return e
        }
        do {
            try writeAll(fd, bytes) { fail("cannot write") }
        } catch {
            close(fd)
            throw error
        }
        fchmod(fd, mode)
        guard fsync(fd) == 0 else { let e = fail("cannot write"); close(fd); throw e }
        guard close(fd) == 0 else { throw fail("cannot write") }
        guard rename(temporary, path) == 0 else { throw fail("cannot move the new file into place") }
    }

    /// Writes every byte to `fd`, retrying interrupted and partial writes.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8], failure: () -> Error) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure() }
            done += n
        }
    }
}

/// Standard output written with every write checked: a full disk or a closed pipe is an error
/// (the command then exits non-zero), not a silently truncated file.
public enum StandardOutput {
    public static func write(_ text: String) throws {
        fflush(nil)  // anything print() buffered goes first
        try OutputFile.writeAll(1, Array(text.utf8)) {
            OutputError("standard output: \(String(cString: strerror(errno))); the output is incomplete")
        }
    }
}
