import ArgumentParser
import Foundation
import Harness
import ResultStore

/// `clvbench merge`: combine shard databases.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge result databases (shards) into one, without duplicates.",
        discussion: """
            Copies every run of the sources that the target lacks. Merging twice adds nothing. \
            A run present in two files with different results is reported and not copied; the \
            command then exits 1. Sources are opened read-only.

            Example: clvbench merge results/shard1.sqlite results/shard2.sqlite --into results/clvbench.sqlite
            """)

    @Argument(help: "Source databases.") var sources: [String]
    @Option(help: "Target database (created if missing).") var into: String

    func validate() throws {
        guard !sources.isEmpty else { throw ValidationError("name at least one source database") }
        let target = URL(fileURLWithPath: into).standardizedFileURL.path
        if sources.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == target }) {
            throw ValidationError("the target \(into) is also a source")
        }
    }

    func run() throws {
        let inputs = try sources.map { try openStore($0, readOnly: true) }
        let target = try openStore(into)
        let report: Store.MergeReport
        do { report = try target.merge(from: inputs) } catch let e as StoreError { throw CLIError(e.description) }
        print("\(report.inserted) runs added, \(report.duplicates) already present, \(report.conflicts.count) conflicts; into \(into)")
        for c in report.conflicts { FileHandle.standardError.write(Data("conflict: \(c)\n".utf8)) }
        if !report.conflicts.isEmpty { throw ExitCode(1) }
    }
}

/// `clvbench export`: runs and metrics for pandas, R or a spreadsheet.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export runs and their metrics as CSV (one row per run) or JSON lines (with accuracy matrices).")

    @Option(help: "csv or jsonl.") var format: String = "csv"
    @Option(help: "Results database.") var db = "results/clvbench.sqlite"
    @Option(help: "Only this suite.") var suite: String?
    @Option(help: "Write to this file instead of standard output.") var out: String?

    func validate() throws {
        guard Store.ExportFormat(rawValue: format) != nil else { throw ValidationError("--format must be csv or jsonl, got '\(format)'") }
    }

    func run() throws {
        let store = try openStore(db, readOnly: true)
        let text: String
        do { text = try store.export(Store.ExportFormat(rawValue: format)!, suite: suite) } catch let e as StoreError {
            throw CLIError(e.description)
        }
        if let out {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        } else {
            print(text, terminator: "")
        }
    }
}

/// `clvbench list`: what the database holds, and the built-in methods.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List suites, code versions, methods or runs of a database (or the built-in methods).",
        discussion: "WHAT is suites, versions, methods, runs, or builtins (the methods clvbench ships, with their parameters).")

    @Argument(help: "suites, versions, methods, runs or builtins.") var what = "runs"
    @Option(help: "Results database.") var db = "results/clvbench.sqlite"
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard ["suites", "versions", "methods", "runs", "builtins"].contains(what) else {
            throw ValidationError("unknown listing '\(what)': suites, versions, methods, runs or builtins")
        }
    }

    func run() throws {
        if what == "builtins" {
            for m in BuiltinMethods.all {
                print("\(m.name): \(m.summary)")
                for p in m.parameters { print("    \(p)") }
            }
            return
        }
        let store = try openStore(db, readOnly: true)
        let rows = try store.listing(what)
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return
        }
        let cols = Store.listingColumns(what)
        let widths = cols.map { c in max(c.count, rows.map { ($0[c] ?? "").count }.max() ?? 0) }
        func line(_ v: [String]) -> String { zip(v, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") }
        print(line(cols))
        for r in rows { print(line(cols.map { r[$0] ?? "" })) }
    }
}
