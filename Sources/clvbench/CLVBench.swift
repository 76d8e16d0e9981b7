import ArgumentParser
import Foundation
import Linalg
import ResultStore

/// The command line: parses, calls a library, prints. Anything with logic lives in a library target.
@main
struct CLVBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clvbench",
        abstract: "Benchmark continual learning in CLIP-style vision-language models.",
        discussion: """
            clvbench trains a dual encoder on one environment after another under many task \
            orders and similarity settings, measures forgetting and generalization, and explains \
            forgetting through modality-specific contribution scores.

            Start with `clvbench doctor` to check this machine, then `clvbench metrics` to score \
            an accuracy matrix or `clvbench contributions` to score embeddings from any model.
            """,
        version: "0.1.0-dev",
        subcommands: [Doctor.self, Metrics.self, Contributions.self, Run.self, Import.self, ReportCommand.self, Compare.self, PlanCommand.self, Merge.self, Export.self, List.self, EnvironmentsCommand.self, Cell.self, Bench.self, TextEmbed.self, Analyze.self, Orders.self])

    static func main() {
        // Before anything else: OpenBLAS picks its kernels at load time (DESIGN.md section 7).
        BLASRuntime.ensureFastKernels()
        BLASRuntime.pinSingleThread()
        Signals.install()
        // A file-size limit (ulimit -f) makes a write fail with EFBIG instead of killing the
        // process, so it is reported like a full disk.
        signal(SIGXFSZ, SIG_IGN)
        var command: ParsableCommand
        do { command = try parseAsRoot() } catch { ErrorReport.exit(for: error, command: self) }
        do {
            try command.run()
            Signals.holdIfInterrupted()
        } catch {
            Signals.holdIfInterrupted()
            ErrorReport.exit(for: error, command: type(of: command), running: true)
        }
        // print() buffers: a full disk or closed pipe shows only when the buffer is flushed.
        if fflush(nil) != 0 {
            ErrorReport.write("error: standard output: \(String(cString: strerror(errno))); the output is incomplete")
            Foundation.exit(ErrorReport.failure)
        }
    }
}
