import Foundation

/// Runs the built `clvbench` binary, as a user would, and captures what it prints.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// `.uncaughtSignal` when the process was killed by a signal (then `status` is the signal).
    var reason: Process.TerminationReason = .exit
}

enum CLI {
    /// The clvbench executable next to the test bundle in SwiftPM's build directory.
    static var executable: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("clvbench")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        fatalError("clvbench executable not found near \(CommandLine.arguments[0]); run `swift build` first")
    }

    /// The package root (where Package.swift is), found from this source file.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], cwd: URL? = nil) throws -> CLIResult {
        var arguments = arguments
        // Tests run from the package root; a `run` must not render its report over the
        // developer's results/site.
        if arguments.first == "run" && !arguments.contains("--site") && !arguments.contains("--no-report") {
            arguments += ["--site", try temporaryDirectory().appendingPathComponent("site").path]
        }
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.currentDirectoryURL = cwd ?? packageRoot
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes before waiting so a large output cannot block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: e, as: UTF8.self), reason: p.terminationReason)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clvbench-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
