import Analysis
import ArgumentParser
import Foundation
import Harness
import ResultStore

/// `clvbench import FILE...`: store accuracy matrices made elsewhere as runs (docs/import.md).
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Store accuracy matrices trained elsewhere (CSV, .npy, JSON lines) as runs of a suite.",
        discussion: """
            CSV: a header naming the environments, optionally a first column `stage`; one row per \
            stage (a stage 0 row, or --baseline-row, is the pretrained model). .npy: rows = stages, \
            columns named by --columns. JSON lines: one run per line with its own suite, method, seed, \
            order, code_version, matrix and optional loss, embeddings and carried figures (last, avg, \
            transfer, forgetting, bwt, ...), which are recomputed from the matrix and every \
            disagreement reported. The training order is the columns' order unless --order says \
            otherwise; held-out environments are the last --held-out columns. Every file is checked \
            before anything is stored; any error stores nothing (exit 2). Importing a run twice \
            stores it once. The method's version: --code-version, CLVBENCH_CODE_VERSION, else the \
            working directory's git tree (docs/provenance.md).

            Example: clvbench import examples/import/zscl-style.csv --suite mine --method zscl --seed 1 --held-out 1
            """)

    @Argument(help: "Files to import (.csv, .npy, .jsonl).") var files: [String]
    @Option(help: "Suite the runs belong to (a JSON line's `suite` wins).") var suite: String
    @Option(help: "Method label (a JSON line's `method` wins).") var method: String
    @Option(help: "Seed of the runs.") var seed = 0
    @Option(help: "Training order, comma-separated; default: the columns' order.") var order: String?
    @Option(name: .customLong("code-version"), help: "The method's code version (default: CLVBENCH_CODE_VERSION or the working directory's git tree).")
    var codeVersion: String?
    @Option(name: .customLong("held-out"), help: "Number of trailing columns that are held-out environments.") var heldOut = 0
    @Option(help: "fraction or percent: overrides the scale detected from the values.") var scale: String?
    @Option(help: "Names of a .npy matrix's columns, comma-separated.") var columns: String?
    @Option(name: .customLong("drop-column"), help: "A column to leave out (repeatable).") var dropColumn: [String] = []
    @Flag(name: .customLong("baseline-row"), help: "The first row is the pretrained model (stage 0).") var baselineRow = false
    @Option(help: "Results database.") var db = "results/clvbench.sqlite"
    @Flag(help: "Print the outcome as JSON.") var json = false

    func validate() throws {
        if let scale, AccuracyCSV.Scale(rawValue: scale) == nil { throw ValidationError("--scale must be fraction or percent, got '\(scale)'") }
        guard heldOut >= 0 else { throw ValidationError("--held-out must be 0 or more, got \(heldOut)") }
        guard seed >= 0 else { throw ValidationError("--seed must be 0 or more, got \(seed)") }
        guard !suite.isEmpty, !method.isEmpty else { throw ValidationError("--suite and --method must not be empty") }
    }

    func run() throws {
        var o = ImportOptions(suite: suite, method: method)
        o.seed = seed
        o.order = order.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
        o.codeVersion = codeVersion
        o.heldOut = heldOut
        o.scale = scale.flatMap(AccuracyCSV.Scale.init(rawValue:))
        o.columns = columns.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
        o.dropColumns = dropColumn
        o.baselineRow = baselineRow
        // Every file is read and checked before the database is opened for writing.
        do { _ = try RunImporter.read(files: files, options: o) } catch let e as ImportError {
            FileHandle.standardError.write(Data("error: \(e)\nnothing was imported\n".utf8))
            throw ExitCode(2)
        }
        let store = try openStore(db)
        let outcome: RunImporter.Outcome
        do {
            outcome = try RunImporter.run(files: files, options: o, store: store)
        } catch let e as ImportError {
            FileHandle.standardError.write(Data("error: \(e)\nnothing was imported\n".utf8))
            throw ExitCode(2)
        } catch let e as StoreError {
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            throw ExitCode(2)
        }
        for d in outcome.disagreements { FileHandle.standardError.write(Data("disagreement: \(d)\n".utf8)) }
        if json {
            let obj: [String: Any] = [
                "inserted": outcome.inserted, "alreadyStored": outcome.alreadyStored, "db": db,
                "disagreements": outcome.disagreements.map { ["place": $0.place, "figure": $0.figure, "given": $0.given,
                                                               "computed": $0.computed.map { $0 as Any } ?? NSNull()] },
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        for r in outcome.runs {
            print("\(r.file)\(r.line.map { ":\($0)" } ?? ""): \(r.suite) / \(r.method) seed \(r.seed), order \(r.order.joined(separator: ">"))"
                + (r.heldOut.isEmpty ? "" : ", held out \(r.heldOut.joined(separator: ","))")
                + ", read as \(r.scale == .percent ? "percentages" : "fractions")" + (r.matrix.hasBaseline ? ", row 0 = pretrained" : ""))
        }
        print("\(outcome.inserted) run(s) imported, \(outcome.alreadyStored) already stored"
            + (outcome.disagreements.isEmpty ? "" : "; \(outcome.disagreements.count) carried figure(s) disagree with the matrix (the matrix's are stored)")
            + "; results in \(db)")
    }
}
