import Dispatch
import Foundation
import Harness

/// Process-wide signal policy. SIGPIPE is ignored: a reader that went away (an external method
/// that exited, `| head -1`) becomes a write error handled where it happens, never a silent
/// death that loses the runs not yet stored. SIGINT and SIGTERM kill every external method's
/// processes, remove their private directories, say what was kept, and exit 130 / 143.
enum Signals {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    private static let lock = NSLock()
    nonisolated(unsafe) private static var note: (@Sendable () -> String)?
    nonisolated(unsafe) private static var interrupting = false

    static func install() {
        signal(SIGPIPE, SIG_IGN)
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)  // delivered to the dispatch source instead
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { interrupted(sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// What to print when interrupted (set by a command that stores results).
    static func onInterrupt(_ message: @escaping @Sendable () -> String) {
        lock.lock(); note = message; lock.unlock()
    }

    /// Called as the command ends: while an interrupt is being handled the process must not
    /// exit on its own (the cell whose method was killed may end the command first); the
    /// handler exits with the signal's status when its cleanup is done.
    static func holdIfInterrupted() {
        lock.lock(); let held = interrupting; lock.unlock()
        while held { sleep(1) }
    }

    private static func interrupted(_ sig: Int32) -> Never {
        lock.lock(); interrupting = true; lock.unlock()
        ProcessContainment.terminateAll()
        lock.lock(); let message = note?(); lock.unlock()
        let name = sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)"
        let text = "\n" + name + (message.map { ": " + $0 } ?? "") + "\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        exit(128 + sig)
    }
}
