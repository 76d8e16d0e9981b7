import Analysis
import ArgumentParser
import Foundation

/// `clvbench metrics FILE.csv`: score an accuracy matrix from anywhere.
struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continual-learning metrics of an accuracy matrix given as CSV.",
        discussion: """
            Rows are stages, columns are environments: the trained ones in training order, then \
            the held-out ones (count them with --held-out). By default row 0 is the pretrained \
            model; use --no-baseline when the file starts at stage 1. An optional first line of \
            column names is allowed. Values may be fractions (0-1) or percentages (0-100); the \
            scale is detected and stated. Formulas: docs/metrics.md.

            Example: clvbench metrics examples/accuracy/three-stages.csv --held-out 1
            """)

    @Argument(help: "CSV file of accuracies (rows = stages, columns = environments).")
    var file: String

    @Flag(name: .customLong("no-baseline"), help: "The first row is stage 1, not the pretrained model.")
    var noBaseline = false

    @Option(name: .customLong("held-out"), help: "Number of trailing columns that are held-out environments.")
    var heldOut = 0

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    /// Why a CSV path cannot be read, in one line (not Foundation's "You don't have permission").
    static func unreadable(_ file: String) -> String {
        var st = stat()
        guard stat(file, &st) == 0 else { return "\(file): \(String(cString: strerror(errno))); check the path" }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return "\(file): a directory; name a CSV file"
        case S_IFREG: return access(file, R_OK) == 0 ? "\(file): not UTF-8 text; save the CSV as UTF-8" : "\(file): permission denied; check its permissions"
        default: return "\(file): not a regular file; name a CSV file"
        }
    }

    func run() throws {
        var st = stat()
        if stat(file, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG { throw InputError(Self.unreadable(file)) }
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw InputError(Self.unreadable(file))
        }
        let parsed: AccuracyCSV
        do {
            parsed = try AccuracyCSV.parse(text, heldOut: heldOut, hasBaseline: !noBaseline)
        } catch let e as AccuracyCSV.ParseError {
            throw InputError("\(file): \(e)")
        }
        let metrics = continualMetrics(parsed.matrix)
        if json {
            var obj: [String: Any] = [
                "file": file, "scale": parsed.scale.rawValue, "trained": parsed.matrix.trainedCount,
                "heldOut": parsed.matrix.heldOutCount, "baseline": parsed.matrix.hasBaseline,
            ]
            var ms: [String: Any] = [:]
            for m in ContinualMetric.allCases {
                switch metrics[m]! {
                case .value(let v): ms[m.rawValue] = ["value": v, "direction": m.direction.rawValue]
                case .unavailable(let why): ms[m.rawValue] = ["value": NSNull(), "direction": m.direction.rawValue, "unavailable": why]
                }
            }
            obj["metrics"] = ms
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("\(file): \(parsed.matrix.trainedCount) trained, \(parsed.matrix.heldOutCount) held-out environments, "
            + "values read as \(parsed.scale == .percent ? "percentages (divided by 100)" : "fractions"), "
            + (parsed.matrix.hasBaseline ? "row 0 = pretrained" : "no baseline row"))
        for m in ContinualMetric.allCases {
            let arrow = m.direction == .higherIsBetter ? "higher is better" : "lower is better"
            let name = m.label.padding(toLength: 22, withPad: " ", startingAt: 0)
            switch metrics[m]! {
            case .value(let v): print("\(name) \(String(format: "%8.4f", v))  (\(arrow))")
            case .unavailable(let why): print("\(name)      n/a  (\(why))")
            }
        }
    }
}
