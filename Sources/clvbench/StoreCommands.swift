import ArgumentParser
import Foundation
import Continual
import Harness
import Report
import ResultStore

/// `export --format`: the store's run formats, and the leaderboard as LaTeX (drawn by Report).
enum ExportFormatOption: String, ExpressibleByArgument, CaseIterable { case csv, jsonl, latex }

/// `clvbench merge`: combine shard databases.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge result databases (shards) into one, without duplicates.",
        discussion: """
            Copies every run of the sources that the target lacks. Merging twice adds nothing. \
            A run present in two files with different results is reported and not copied; the \
            command then exits 1. Sources are opened read-only; a source holding impossible rows \
            is refused before anything is copied.

            Example: clvbench merge results/shard1.sqlite results/shard2.sqlite --into results/clvbench.sqlite
            """)

    @Argument(help: "Source databases.") var sources: [String]
    @Option(help: "Target database (created if missing).") var into: String

    func validate() throws {
        guard !sources.isEmpty else { throw ValidationError("name at least one source database") }
        // The same file under another name (a hard link, a symbolic link, `./x`) is still the target.
        func identity(_ p: String) -> String? {
            var st = stat()
            guard stat(p, &st) == 0 else { return nil }
            return "\(st.st_dev):\(st.st_ino)"
        }
        let target = identity(into) ?? URL(fileURLWithPath: into).standardizedFileURL.path
        for s in sources where (identity(s) ?? URL(fileURLWithPath: s).standardizedFileURL.path) == target {
            throw ValidationError("the target \(into) is also a source (\(s) is the same file)")
        }
    }

    func run() throws {
        let inputs = try sources.map { try Store(path: $0, mode: .readOnly) }
        let target = try Store(path: into)
        let report = try target.merge(from: inputs)
        try target.checkpoint()
        print("\(report.inserted) runs added, \(report.duplicates) already present, \(report.conflicts.count) conflicts; into \(into)")
        for c in report.conflicts { FileHandle.standardError.write(Data("conflict: \(DisplayText.neutralised(c))\n".utf8)) }
        if !report.conflicts.isEmpty { throw ExitCode(1) }
    }
}

/// `clvbench export`: runs and metrics for pandas, R or a spreadsheet.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export runs and their metrics as CSV (one row per run) or JSON lines (with accuracy matrices), or a leaderboard as LaTeX.",
        discussion: """
            --format latex writes the leaderboard of --suite (needed when the database holds \
            several suites) as booktabs tabulars, one per similarity scope, exactly the \
            tables/leaderboard-SUITE-K.tex files `clvbench report` writes beside the page, \
            with the same --precision, --fraction and --code-version. \
            With --out the file is written whole or not at all (a temporary file beside it, then \
            renamed); a path that is a symbolic link, FIFO, device, directory or read-only file \
            is refused, never replaced. On standard output every write is checked: a full disk \
            or closed pipe exits 1.
            """)

    @Option(help: "Output format.") var format: ExportFormatOption = .csv
    @Option(help: "Results database.") var db = "results/clvbench.sqlite"
    @Option(help: "Only this suite (an error when the database holds no such suite).") var suite: String?
    @Option(help: "Write to this file instead of standard output.") var out: String?
    @Option(help: "--format latex: decimals of the accuracy figures, as report --precision (default: 1 as percentages, 3 as fractions).")
    var precision: Int?
    @Flag(help: "--format latex: accuracy figures as fractions (0 to 1) instead of percentages, as report --fraction.")
    var fraction = false
    @Option(help: "--format latex: the leaderboard at this code version, as report --code-version (default: each method's newest).")
    var codeVersion: String?

    func validate() throws {
        if let precision, !(0...6).contains(precision) { throw ValidationError("--precision must be in 0...6, got \(precision)") }
        if format != .latex && (precision != nil || fraction || codeVersion != nil) {
            throw ValidationError("--precision, --fraction and --code-version apply to --format latex only (csv and jsonl keep every run and digit)")
        }
    }

    func run() throws {
        let store = try Store(path: db, mode: .readOnly)
        let text: String
        switch format {
        case .csv: text = try store.export(.csv, suite: suite)
        case .jsonl: text = try store.export(.jsonl, suite: suite)
        case .latex: text = try leaderboardLaTeX(store)
        }
        if let out {
            try OutputFile.write(Array(text.utf8), to: out)
        } else {
            try StandardOutput.write(text)
        }
    }

    func leaderboardLaTeX(_ store: Store) throws -> String {
        if let suite { try store.checkSuiteExists(suite) }
        let runs = try store.loadRuns()
        let suites = Array(Set(runs.map(\.record.suiteName))).sorted()
        guard let name = suite ?? (suites.count == 1 ? suites[0] : nil) else {
            throw ValidationError("--format latex exports one suite's leaderboard; pass --suite (the database holds: \(suites.isEmpty ? "no runs" : suites.joined(separator: ", ")))")
        }
        var builder = SiteBuilder()
        builder.numbers = NumberStyle(percent: !fraction, digits: precision)
        builder.isAncestor = { a, b, repository in ProvenanceProbe.isAncestor(a, of: b, repository: repository) }
        if let codeVersion {
            do {
                builder.codeVersion = try SiteBuilder.resolveCodeVersion(codeVersion, runs: runs.map(\.record), isAncestor: builder.isAncestor)
            } catch let e as ReportError {
                throw ValidationError("--code-version: \(e.description)")
            }
        }
        return try builder.leaderboardLaTeX(runs: runs, suite: name)
    }
}

/// What `clvbench list` shows.
enum ListWhat: String, ExpressibleByArgument, CaseIterable {
    case suites, versions, methods, runs, builtins
}

/// `clvbench list`: what the database holds, and the built-in methods.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List suites, code versions, methods or runs of a database (or the built-in methods).",
        discussion: "builtins lists the methods clvbench ships, with their parameters and the protocols each runs (a suite's protocols: axis; frozen trains a shared head on fixed encoders). Control characters in stored names are shown as U+FFFD.")

    @Argument(help: "What to list.") var what: ListWhat = .runs
    @Option(help: "Results database.") var db = "results/clvbench.sqlite"
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        guard let listing = Store.Listing(rawValue: what.rawValue) else {
            var text = ""
            for m in MethodCatalog.descriptions {
                text += "\(m.name): \(m.summary)\n    protocols: \(m.protocols.joined(separator: ", "))\n"
                for p in m.parameters { text += "    \(p)\n" }
            }
            try StandardOutput.write(text)
            return
        }
        let store = try Store(path: db, mode: .readOnly)
        let rows = try store.listing(listing)
        if json {
            try StandardOutput.write(String(decoding: try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self) + "\n")
            return
        }
        let cols = Store.listingColumns(listing)
        let shown = rows.map { r in cols.map { DisplayText.neutralised(r[$0] ?? "", singleLine: true) } }
        let widths = cols.indices.map { i in max(cols[i].count, shown.map { $0[i].count }.max() ?? 0) }
        func line(_ v: [String]) -> String { zip(v, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") }
        try StandardOutput.write(([line(cols)] + shown.map(line)).joined(separator: "\n") + "\n")
    }
}
