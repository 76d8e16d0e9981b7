import CProcessControl
import Foundation

/// Keeps external methods from outliving their cell. Every external process gets a token in
/// its environment (`CLVBENCH_CELL`), which its children, double-forked or setsid'd ones
/// included, inherit; after the cell every process carrying that token, the process group and
/// every descendant still found under the method's pid is killed with SIGKILL and reaped.
/// On Linux clvbench also becomes a child subreaper, so orphans are reparented to it (and can
/// be reaped) rather than to init. Private directories are registered so an interrupted run
/// can remove them. A method that clears its environment and escapes its session is beyond
/// what this can see (docs/reliability.md).
public enum ProcessContainment {
    static let variable = "CLVBENCH_CELL"
    private static let lock = NSLock()
    nonisolated(unsafe) private static var live: [String: Int32] = [:]  // token -> pid
    nonisolated(unsafe) private static var directories: Set<String> = []
    nonisolated(unsafe) private static var subreaper = false
    nonisolated(unsafe) private static var stopping = false

    /// True once clvbench is being interrupted: no run is stored after that (a cell whose
    /// method was just killed would otherwise be stored as failed).
    public static var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

    /// Once per process, before the first external method starts.
    static func becomeSubreaper() {
        lock.lock(); defer { lock.unlock() }
        guard !subreaper else { return }
        subreaper = clvbench_become_child_subreaper() == 0
    }

    static func register(token: String, pid: Int32) { lock.lock(); live[token] = pid; lock.unlock() }
    static func register(directory: String) { lock.lock(); directories.insert(directory); lock.unlock() }
    static func unregister(directory: String) { lock.lock(); directories.remove(directory); lock.unlock() }

    /// Kills everything a cell started: the group `pid` leads, the live descendants of `pid`,
    /// and every process whose environment carries `token`. Repeats until none is left (a
    /// process may fork between the scan and the kill), then reaps those that became ours.
    static func contain(token: String, pid: Int32) {
        if pid > 0 { kill(-pid, SIGKILL) }
        var killed = Set<Int32>()
        for _ in 0..<50 {
            let targets = scan(token: token, root: pid).subtracting([getpid()])
            if targets.isEmpty { break }
            for t in targets { kill(t, SIGKILL) }
            killed.formUnion(targets)
            usleep(2_000)
        }
        reap(killed.subtracting([pid]))
        lock.lock(); live[token] = nil; lock.unlock()
    }

    /// Called when clvbench itself is interrupted: every live cell's processes are killed and
    /// every private directory removed. Returns how many processes were live.
    @discardableResult
    public static func terminateAll() -> Int {
        lock.lock()
        stopping = true
        let cells = live, dirs = directories
        lock.unlock()
        for (token, pid) in cells { contain(token: token, pid: pid) }
        // The cell's own cleanup may be removing the same directory: retry until it is gone.
        for d in dirs {
            for _ in 0..<100 where FileManager.default.fileExists(atPath: d) {
                try? FileManager.default.removeItem(atPath: d)
                if FileManager.default.fileExists(atPath: d) { usleep(10_000) }
            }
        }
        lock.lock(); directories.subtract(dirs); lock.unlock()
        return cells.count
    }

    /// Processes carrying `token`, and descendants of `root` (by parent pid), from /proc.
    static func scan(token: String, root: Int32) -> Set<Int32> {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let needle = Array("\(variable)=\(token)".utf8)
        var parent: [Int32: Int32] = [:]
        var found = Set<Int32>()
        for e in entries {
            guard let pid = Int32(e) else { continue }
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
               let close = stat.lastIndex(of: ")") {
                // Fields after the command name: state, ppid, ...
                let rest = stat[stat.index(after: close)...].split(separator: " ")
                if rest.count > 1, let ppid = Int32(rest[1]) {
                    if rest[0] == "Z" { continue }  // already dead, waiting to be reaped
                    parent[pid] = ppid
                }
            }
            if let env = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
               env.split(separator: 0, omittingEmptySubsequences: true).contains(where: { Array($0) == needle }) {
                found.insert(pid)
            }
        }
        if root > 0 {
            for pid in parent.keys {
                var p = pid, steps = 0
                while let up = parent[p], up > 1, steps < 64 {
                    if up == root { found.insert(pid); break }
                    p = up; steps += 1
                }
            }
        }
        return found.filter { parent[$0] != nil }
    }

    /// Waits for killed processes that are clvbench's children (orphans reparented to it).
    static func reap(_ pids: Set<Int32>) {
        let me = getpid()
        for pid in pids {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let rest = stat[stat.index(after: close)...].split(separator: " ")
            guard rest.count > 1, Int32(rest[1]) == me else { continue }
            var status: Int32 = 0
            for _ in 0..<500 where waitpid(pid, &status, WNOHANG) == 0 { usleep(2_000) }
        }
    }
}
