import Foundation
import ResultStore

/// Progress of a suite run on standard error: a bar redrawn in place on a terminal, one plain
/// line per finished run otherwise (logs, CI). Thread-safe.
public final class ProgressReporter: @unchecked Sendable {
    let total: Int
    let start = Date()
    let terminal: Bool
    let quiet: Bool
    private let lock = NSLock()
    private var finished = 0, failed = 0

    public init(total: Int, quiet: Bool = false) {
        self.total = total
        self.quiet = quiet
        terminal = isatty(2) == 1
    }

    public func note(_ message: String) {
        guard !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        write((terminal ? "\r\u{1B}[K" : "") + DisplayText.neutralised(message) + "\n")
        if terminal { drawBar() }
    }

    public func runFinished(_ description: String, ok: Bool) {
        lock.lock(); defer { lock.unlock() }
        finished += 1
        if !ok { failed += 1 }
        guard !quiet else { return }
        if terminal {
            drawBar()
        } else {
            write("[\(finished)/\(total)] \(ok ? "done" : "FAILED") \(DisplayText.neutralised(description, singleLine: true))\n")
        }
    }

    public func close() {
        guard terminal, !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        write("\n")
    }

    private func drawBar() {
        let elapsed = Date().timeIntervalSince(start)
        let width = 30
        let filled = total == 0 ? width : width * finished / total
        let eta = finished == 0 ? "--:--" : clock(elapsed / Double(finished) * Double(total - finished))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        write("\r\u{1B}[K[\(bar)] \(finished)/\(total) runs, \(failed) failed, \(clock(elapsed)) elapsed, ETA \(eta)")
    }

    private func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return String(format: "%02d:%02d", t / 60, t % 60)
    }

    /// A closed stderr (`2>&1 | head`) must not stop the run: the write error is ignored.
    private func write(_ s: String) { try? FileHandle.standardError.write(contentsOf: Data(s.utf8)) }
}
