import Foundation
import Linalg
import ResultStore

/// Where and with what a run was made (DESIGN.md section 7).
public enum ProvenanceProbe {
    /// The git commit of the working directory and whether it has uncommitted changes to
    /// tracked files; "unknown" when git or the repository is absent.
    public static func codeVersion(directory: String = FileManager.default.currentDirectoryPath) -> (commit: String, dirty: Bool) {
        if let forced = ProcessInfo.processInfo.environment["CLVBENCH_CODE_VERSION"], !forced.isEmpty {
            return (forced, false)  // for tests and for builds outside a checkout
        }
        guard let head = git(["rev-parse", "HEAD"], in: directory), !head.isEmpty else { return ("unknown", false) }
        let status = git(["status", "--porcelain", "--untracked-files=no"], in: directory) ?? ""
        return (head, !status.isEmpty)
    }

    static func git(_ args: [String], in dir: String) -> String? {
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
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
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
