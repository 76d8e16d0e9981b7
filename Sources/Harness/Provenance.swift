import Crypto
import Foundation
import Linalg
import ResultStore

/// Where and with what a run was made (DESIGN.md section 7, docs/provenance.md).
public enum ProvenanceProbe {
    /// A git tree's version: HEAD, and for uncommitted changes to tracked files HEAD + "+" and the
    /// first 12 hex digits of the SHA-256 of `git diff HEAD` (so two different edits are two
    /// versions); outside git (or without git) "unknown", dirty (nothing says it is clean).
    public static func treeVersion(directory: String) -> (commit: String, dirty: Bool) {
        guard let head = git(["rev-parse", "--verify", "HEAD"], in: directory), !head.isEmpty else { return ("unknown", true) }
        guard let diff = gitData(["diff", "HEAD", "--no-ext-diff", "--no-color", "--binary"], in: directory) else { return ("unknown", true) }
        if diff.isEmpty { return (head, false) }
        return (head + "+" + String(sha256Hex(diff).prefix(12)), true)
    }

    /// clvbench's own version: `CLVBENCH_CODE_VERSION` when set (tests, builds outside a checkout),
    /// else the git tree the executable was built in, so running from a researcher's repository
    /// never records their commit as clvbench's.
    public static func codeVersion() -> (commit: String, dirty: Bool) {
        if let forced = ProcessInfo.processInfo.environment["CLVBENCH_CODE_VERSION"], !forced.isEmpty {
            return (forced, false)
        }
        return treeVersion(directory: executableDirectory)
    }

    /// The version of an external method, in this order: an explicit `--code-version`, the
    /// suite's `external.repository`, `CLVBENCH_CODE_VERSION`, the git tree of the working
    /// directory (where a researcher runs from), else unknown.
    public static func methodVersion(explicit: String?, repository: String?,
                                     workingDirectory: String = FileManager.default.currentDirectoryPath) -> MethodVersion {
        if let explicit, !explicit.isEmpty { return MethodVersion(commit: explicit, dirty: false, repository: repository) }
        if let repository {
            let v = treeVersion(directory: repository)
            return MethodVersion(commit: v.commit, dirty: v.dirty, repository: repository)
        }
        if let forced = ProcessInfo.processInfo.environment["CLVBENCH_CODE_VERSION"], !forced.isEmpty {
            return MethodVersion(commit: forced, dirty: false)
        }
        let v = treeVersion(directory: workingDirectory)
        let top = v.commit == "unknown" ? nil : git(["rev-parse", "--show-toplevel"], in: workingDirectory)
        return MethodVersion(commit: v.commit, dirty: v.dirty, repository: top)
    }

    /// Whether commit `a` is an ancestor of commit `b` in `repository` (nil: git cannot say).
    public static func isAncestor(_ a: String, of b: String, repository: String) -> Bool? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", repository, "merge-base", "--is-ancestor", a, b]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        p.waitUntilExit()
        switch p.terminationStatus {
        case 0: return true
        case 1: return false
        default: return nil
        }
    }

    static var executableDirectory: String {
        let path = Bundle.main.executablePath ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent().path
    }

    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    static func git(_ args: [String], in dir: String) -> String? {
        gitData(args, in: dir).map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    static func gitData(_ args: [String], in dir: String) -> Data? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", dir] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return data
    }

    public static var operatingSystem: String {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return "unknown"
    }

    public static var swiftVersion: String {
        #if compiler(>=6.3)
        "6.3+"
        #elseif compiler(>=6.2)
        "6.2"
        #elseif compiler(>=6.1)
        "6.1"
        #else
        "older than 6.1"
        #endif
    }

    public static func current(threads: Int = 1) -> RunRecord.Provenance {
        let (commit, dirty) = codeVersion()
        let cpu = CPUInfo.current
        return RunRecord.Provenance(commit: commit, dirty: dirty, cpu: cpu.modelName, cores: cpu.logicalCores,
                                    os: operatingSystem, swift: swiftVersion, openblas: BLASRuntime.version,
                                    openblasCore: BLASRuntime.coreName, threads: threads)
    }
}
