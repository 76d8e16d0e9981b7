import Foundation

/// A child process in its own process group (Foundation's Process starts children with
/// pgid = pid, checked on Linux), spoken to by lines:
/// stdin for messages in, stdout read line by line with deadlines, stderr into a file.
/// `kill()` ends the whole group; `contain()` everything the process started (ProcessContainment).
final class ExternalProcess: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }
    /// An output line longer than `maximumLineLength`; the process is killed.
    struct LineTooLong: Error {}

    /// The longest output line accepted (docs/protocol.md): protocol messages are small, arrays
    /// travel in files.
    static let maximumLineLength = 16 * 1024 * 1024

    private let process = Process()
    private let stdin = Pipe()
    private let stdout = Pipe()
    let stderrFile: URL
    private let lock = NSLock()
    private let available = DispatchSemaphore(value: 0)
    private var lines: [String] = []
    private var closed = false
    private var tooLong = false
    /// Bytes of the line being assembled; only bytes after `scanned` are searched for a newline,
    /// so assembling a line is linear in its length.
    private var pending: [UInt8] = []
    private var scanned = 0
    /// The token in the process's environment that its descendants inherit.
    let token = UUID().uuidString

    /// Resolves the command, refusing one that cannot start with a message that says why.
    init(command: [String], environment: [String: String], workingDirectory: String, stderrFile: URL, protocolVersion: Int = 1) throws {
        guard let program = command.first, !program.isEmpty else { throw Failure(description: "cannot start: the command is empty") }
        guard let resolved = ExternalProcess.resolve(program, cwd: workingDirectory) else {
            throw Failure(description: "cannot start: '\(program)' was not found (not a file, and not on PATH)")
        }
        guard FileManager.default.isExecutableFile(atPath: resolved) else {
            throw Failure(description: "cannot start: '\(resolved)' is not executable")
        }
        self.stderrFile = stderrFile
        FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: resolved)
        process.arguments = Array(command.dropFirst())
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), isDirectory.boolValue {
            throw Failure(description: "cannot start: '\(resolved)' is a directory, not a program")
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        env["CLVBENCH_PROTOCOL"] = "\(protocolVersion)"
        env[ProcessContainment.variable] = token
        ProcessContainment.becomeSubreaper()
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        do { try process.run() } catch { throw Failure(description: "cannot start '\(program)': \(error.localizedDescription)") }
        ProcessContainment.register(token: token, pid: process.processIdentifier)
        let handle = stdout.fileHandleForReading
        let t = Thread { [weak self] in
            while true {
                let d = handle.availableData
                guard let self else { return }
                if d.isEmpty { self.finish(); return }
                if !self.receive(d) { self.kill(); return }
            }
        }
        t.start()
    }

    static func resolve(_ program: String, cwd: String) -> String? {
        if program.contains("/") {
            let p = program.hasPrefix("/") ? program : cwd + "/" + program
            return FileManager.default.fileExists(atPath: p) ? p : nil
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(program)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Appends a chunk and splits off complete lines; false once a line exceeds the limit.
    private func receive(_ d: Data) -> Bool {
        lock.lock()
        pending.append(contentsOf: d)
        var count = 0, start = 0, from = scanned
        while let nl = pending[from...].firstIndex(of: 0x0A) {
            lines.append(String(decoding: pending[start..<nl], as: UTF8.self))
            count += 1
            start = nl + 1
            from = start
        }
        if start > 0 { pending.removeFirst(start) }
        scanned = pending.count
        let ok = pending.count <= Self.maximumLineLength
        if !ok { tooLong = true; closed = true; pending = [] }
        lock.unlock()
        for _ in 0..<count { available.signal() }
        if !ok { available.signal() }
        return ok
    }

    private func finish() {
        lock.lock()
        if !pending.isEmpty { lines.append(String(decoding: pending, as: UTF8.self)); pending.removeAll(); available.signal() }
        closed = true
        lock.unlock()
        available.signal()
    }

    /// The next line of output, or nil at end of output; throws `Failure` when the deadline
    /// passes and `LineTooLong` for a line over the limit.
    func nextLine(deadline: DispatchTime) throws -> String? {
        while true {
            lock.lock()
            if !lines.isEmpty { let l = lines.removeFirst(); lock.unlock(); return l }
            if tooLong { lock.unlock(); throw LineTooLong() }
            if closed { lock.unlock(); return nil }
            lock.unlock()
            // In slices, so that an exit is seen even while a descendant keeps stdout open.
            let slice = min(deadline, DispatchTime.now() + 0.05)
            if available.wait(timeout: slice) == .timedOut {
                if DispatchTime.now() >= deadline { throw Failure(description: "timeout") }
                if exitedSince == nil, reap(block: false) != nil { exitedSince = DispatchTime.now() }
                // Output written before the exit is in the pipe: a short grace lets it arrive.
                if let t = exitedSince, DispatchTime.now() > t + 0.2 {
                    lock.lock(); let empty = lines.isEmpty; lock.unlock()
                    if empty { return nil }
                }
            }
        }
    }

    func send(_ line: String) throws {
        do { try stdin.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8)) } catch {
            throw Failure(description: "could not write to the process (it may have exited): \(error.localizedDescription)")
        }
    }

    func closeInput() { try? stdin.fileHandleForWriting.close() }

    /// SIGKILL to the whole process group (the method and any children it started), then reap.
    func kill() {
        let pid = process.processIdentifier
        if pid > 0 { Foundation.kill(-pid, SIGKILL) }
        _ = reap(block: true)
    }

    /// After the cell, whatever its outcome: nothing the method started survives.
    func contain() {
        kill()
        ProcessContainment.contain(token: token, pid: process.processIdentifier)
    }

    /// Waits for exit up to `seconds`; kills the group after that.
    func wait(seconds: Double) -> Int32? {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if let status = reap(block: false) { return status }
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill()
        return nil
    }

    /// The exit status (128 + signal for a signal), reaped with waitpid on this pid only.
    /// Foundation's Process learns of an exit from a socket its child inherits, so it cannot see
    /// the exit while a descendant still holds that socket: `waitUntilExit` would hang, and
    /// `isRunning` stays true. Whichever of Foundation and this reaps first, the status is kept.
    private var exitStatus: Int32?
    private var exitedSince: DispatchTime?
    private func reap(block: Bool) -> Int32? {
        lock.lock(); defer { lock.unlock() }
        if let s = exitStatus { return s }
        let pid = process.processIdentifier
        guard pid > 0 else { return nil }
        var raw: Int32 = 0
        var r: Int32
        repeat { r = waitpid(pid, &raw, block ? 0 : WNOHANG) } while r == -1 && errno == EINTR
        if r == pid {
            exitStatus = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        } else if r == -1 {
            // Foundation reaped it first: its status arrives with isRunning turning false.
            for _ in 0..<500 where process.isRunning { usleep(2_000) }
            if !process.isRunning {
                exitStatus = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            }
        }
        return exitStatus
    }

    /// The last `limit` bytes of stderr, for the run's log, with NUL bytes written as \u{0}
    /// (SQLite's text functions would end the log there) and a note when the start was cut.
    func stderrTail(limit: Int = 65_536) -> String {
        guard let d = FileManager.default.contents(atPath: stderrFile.path) else { return "" }
        let text = String(decoding: d.suffix(limit), as: UTF8.self).replacingOccurrences(of: "\0", with: "\\u{0}")
        return d.count > limit ? "[the first \(d.count - limit) bytes of stderr are not kept]\n" + text : text
    }
}
