import Analysis
import ArgumentParser
import Benchmarks
import Continual
import Environments
import Foundation
import Harness
import Report
import ResultStore

/// A problem with what the user gave (a file's contents, a name, a value): exit status 2.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// A user-facing problem completing the command (I/O, a locked database): exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

/// The one place where an error becomes what the user reads and the exit status: 2 for usage
/// and input errors (bad arguments, suite, CSV, embeddings, method or an unknown name), 1 when
/// the command could not complete (database, disk, report, external process), and one line
/// naming the path for a file-system error instead of Foundation's NSCocoaErrorDomain dump.
enum ErrorReport {
    static let usage: Int32 = 2
    static let failure: Int32 = 1

    /// The message and exit status of an error the command line did not parse away.
    static func describe(_ error: Error) -> (message: String, status: Int32) {
        switch error {
        case let e as InputError: return (e.description, usage)
        case let e as SuiteError: return (e.description, usage)
        case let e as AccuracyCSV.ParseError: return (e.description, usage)
        case let e as AccuracyMatrix.ShapeError: return (e.description, usage)
        case let e as NPYError: return (e.description, usage)
        case let e as EmbeddingsError: return (e.description, usage)
        case let e as MethodError: return (e.description, usage)
        case let e as WorldConfigurationError: return (e.description, usage)
        case let e as UnknownNameError: return (e.description, usage)
        case let e as SlurmScriptError: return (e.description, usage)
        case let e as OrderNameError: return (e.description, usage)
        case let e as CLIError: return (e.description, failure)
        case let e as StoreError: return (e.description, failure)
        case let e as ReportError: return (e.description, failure)
        case let e as OutputError: return (e.description, failure)
        case let e as FashionMNIST.LoadError: return (e.description, failure)
        case let e as ExternalMethodError: return (e.description, failure)
        case let e as BenchmarkError: return (e.description, failure)
        case let e as CocoaError: return (fileProblem(e), failure)
        case let e as CustomStringConvertible: return (e.description, failure)
        default: return ("\(error)", failure)
        }
    }

    /// "PATH: what went wrong; what to do", from a Foundation file error.
    static func fileProblem(_ e: CocoaError) -> String {
        let path = (e.userInfo[NSFilePathErrorKey] as? String) ?? (e.userInfo["NSURL"] as? URL)?.path ?? "a file"
        var reason: String
        if let u = e.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(u.code)))
        } else {
            switch e.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or directory"
            case .fileReadNoPermission, .fileWriteNoPermission: reason = "permission denied"
            case .fileWriteOutOfSpace: reason = "no space left on the device"
            case .fileWriteFileExists: reason = "a file is in the way"
            case .fileReadCorruptFile, .fileReadInapplicableStringEncoding: reason = "not readable as text"
            default: reason = "cannot read or write it"
            }
        }
        return "\(path): \(reason); check the path, its directory and its permissions"
    }

    /// Prints the error and exits; ArgumentParser's own errors (unknown option, bad value,
    /// --help, ValidationError) keep their messages, with usage errors exiting 2.
    /// `running`: the error came from the command's run() (not from parsing), so a
    /// ValidationError is printed as one line with the command's help hint.
    static func exit(for error: Error, command: ParsableCommand.Type, running: Bool = false) -> Never {
        if let code = error as? ExitCode { Foundation.exit(code.rawValue) }
        if running, let v = error as? ValidationError {
            let name = command.configuration.commandName ?? String(describing: command).lowercased()
            write("error: \(DisplayText.neutralised(v.message))\n  See 'clvbench \(name) --help'.")
            Foundation.exit(usage)
        }
        switch command.exitCode(for: error) {
        case .validationFailure:
            write(command.fullMessage(for: error))
            Foundation.exit(usage)
        case .success:
            command.exit(withError: error)
        default:
            break
        }
        let (message, status) = describe(error)
        write("error: " + DisplayText.neutralised(message))
        Foundation.exit(status)
    }

    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
