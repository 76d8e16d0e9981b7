import ArgumentParser
import Analysis
import Foundation
import Harness
import Report
import ResultStore

/// Renders the site; shared by `report` and the end of `run`.
/// `codeVersion`: `report --code-version` as typed; an unknown or ambiguous one is a usage
/// error (exit 2) raised before anything is computed or written.
func renderSite(db: String, out: String, templates: String, jobs: Int,
                minVersions: Int = ChangePoints.defaultMinimumVersions, numbers: NumberStyle = NumberStyle(),
                codeVersion: String? = nil) throws -> String {
    let store = try Store(path: db, mode: .readOnly)
    var builder = SiteBuilder(templateDirectory: templates, outputDirectory: out, jobs: jobs)
    builder.changePointMinimumVersions = minVersions
    builder.numbers = numbers
    builder.isAncestor = { a, b, repository in ProvenanceProbe.isAncestor(a, of: b, repository: repository) }
    let records = try store.loadRuns().map(\.record)
    if let codeVersion {
        do {
            builder.codeVersion = try SiteBuilder.resolveCodeVersion(codeVersion, runs: records, isAncestor: builder.isAncestor)
        } catch let e as ReportError {
            throw ValidationError("--code-version: \(e.description)")
        }
    }
    // The grid each stored suite text declares, for the suite definition on the leaderboard.
    var texts: [String: RunRecord] = [:]
    for r in records where texts[r.suiteHash] == nil { texts[r.suiteHash] = r }
    for (hash, r) in texts {
        guard let suite = try? Suite.parse(text: r.suiteText, file: "suite '\(r.suiteName)'") else { continue }
        builder.declaredGrids[hash] = SuiteGrid(orders: suite.orders.count, similarities: suite.similarities.count, seeds: suite.seeds.count,
                                                methods: suite.methods.count, models: suite.models.count, protocols: suite.protocols.count,
                                                cells: Plan(suite: suite).cells.count)
    }
    // The task-order page's ordering analysis needs the pretrained model's scores (one pass each, pretraining cached).
    for p in OrderingChecks.pretrainedScores(runs: records) {
        builder.orderingScores[OrderingScoresKey(suite: p.suite, model: p.model, sv: p.similarity.sv, sl: p.similarity.sl)] = p.scores
    }
    let written = try builder.build(store: store)
    return written.first ?? out
}

/// `clvbench report`: the static result site.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render the static result site from the database.",
        discussion: """
            Writes leaderboards (mean, 95% bootstrap CI and n, IQM, worst order, rank), task-order \
            robustness, similarity sweeps, modality contributions, generalization, history \
            across code versions with change points, a page per run, and regressions.xml (Atom); \
            every chart also as figures/*.svg, every table as tables/*.csv and tables/*.tex \
            (booktabs), each linked below it (a run page's tables: CSV inside the link). Pages open from file:// with no network; the same database renders byte-identical \
            files, whatever --jobs is. Restyle by editing site-template/ (page.xhtml and style.css).
            """)

    @Option(help: "Results database.") var db = "results/clvbench.sqlite"
    @Option(help: "Output directory.") var out = "results/site"
    @Option(help: "Template directory (page.xhtml, style.css); found beside the executable unless set.") var templates: String?
    @Option(help: "Threads rendering pages; one per core unless set.") var jobs = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Code versions with runs a history series needs before change points are marked.")
    var minVersions = ChangePoints.defaultMinimumVersions
    @Option(help: "Decimals of the leaderboard's accuracy figures (default: 1 as percentages, 3 as fractions).")
    var precision: Int?
    @Flag(help: "Show the leaderboard's accuracy figures as fractions (0 to 1) instead of percentages.")
    var fraction = false
    @Option(help: "Show the suite pages at this code version: latest, previous or a commit prefix, as compare takes them (default: each method's newest).")
    var codeVersion: String?

    func validate() throws {
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be in 1...256, got \(jobs)") }
        guard minVersions >= 3 else { throw ValidationError("--min-versions must be at least 3, got \(minVersions)") }
        if let precision, !(0...6).contains(precision) { throw ValidationError("--precision must be in 0...6, got \(precision)") }
    }

    func run() throws {
        let index = try renderSite(db: db, out: out, templates: try TemplateLocation.find(explicit: templates), jobs: jobs,
                                   minVersions: minVersions, numbers: NumberStyle(percent: !fraction, digits: precision),
                                   codeVersion: codeVersion)
        print("report: \(index)")
    }
}

/// `clvbench compare BASE HEAD`: the CI gate.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two code versions on identical cells; exit 1 on a significant regression.",
        discussion: """
            BASE and HEAD are commit prefixes, `latest` or `previous` (by git ancestry for a \
            method's repository, else by the newest stored finish time; --method keeps one \
            method's runs, so its own versions are compared: docs/provenance.md). Cells run by both versions are paired; for each suite, method and \
            metric the mean paired difference gets a 95% bootstrap CI and a bootstrap p-value. \
            The metrics of one suite and method are tested together: their p-values get Holm's \
            correction. A regression is a change in the worse direction whose Holm p is below \
            0.05 and whose size passes the metric's threshold (default 0.01; --threshold \
            last=0.02). A row with fewer than --min-pairs pairs is "insufficient" and never a \
            regression. Exit status: 1 on a regression, 0 otherwise (also when insufficient), 2 \
            on bad input.

            Example: clvbench compare previous latest --format markdown
            """)

    @Argument(help: "Base code version: latest, previous, a commit prefix (its clean version), or COMMIT+DIFFHASH (a dirty one).") var base: String
    @Argument(help: "Head code version, as BASE.") var head: String
    @Option(help: "Results database.") var db = "results/clvbench.sqlite"
    @Option(help: "Output format (markdown for a pull-request comment, json for scripts).") var format: CompareFormat = .text
    @Option(name: .customLong("threshold"), help: "Per-metric threshold METRIC=VALUE (repeatable); METRIC is one of \(VersionComparison.metrics.map(\.rawValue).joined(separator: ", ")).")
    var thresholds: [String] = []
    @Option(help: "Compare only this method's runs (its own code versions, for an external or imported method).")
    var method: String?
    @Option(help: "Fewest matched pairs for a row to be tested; fewer is \"insufficient\".")
    var minPairs = VersionComparison.defaultMinPairs

    enum CompareFormat: String, ExpressibleByArgument, CaseIterable { case text, markdown, json }

    func validate() throws {
        guard minPairs >= 2 else { throw ValidationError("--min-pairs must be at least 2, got \(minPairs)") }
        _ = try thresholdTable()
    }

    /// --threshold values by metric; an unknown metric is a usage error (exit 2), not ignored.
    func thresholdTable() throws -> [ContinualMetric: Double] {
        var t: [ContinualMetric: Double] = [:]
        for s in thresholds {
            do {
                let (m, v) = try VersionComparison.threshold(parsing: s)
                t[m] = v
            } catch let e as ReportError {
                throw ValidationError(e.description)
            }
        }
        return t
    }

    func run() throws {
        let t = try thresholdTable()
        let store = try Store(path: db, mode: .readOnly)
        var runs = try store.loadRuns().map(\.record)
        if let method {
            runs = runs.filter { $0.methodLabel == method }
            guard !runs.isEmpty else { throw ValidationError("no runs of method '\(method)' in \(db)") }
        }
        // Versions of one repository in git ancestry order where git knows them (docs/provenance.md).
        let versions = VersionComparison.versions(runs, isAncestor: ProvenanceProbe.isAncestor)
        let b: String, h: String
        do {
            b = try VersionComparison.resolve(base, among: versions)
            h = try VersionComparison.resolve(head, among: versions)
        } catch let e as ReportError {
            throw ValidationError(e.description)
        }
        guard b != h else {
            throw ValidationError("'\(base)' and '\(head)' are both \(VersionComparison.short(b)); compare two different code versions")
        }
        let rows = VersionComparison.compare(runs, base: b, head: h, thresholds: t, minPairs: minPairs)
        guard !rows.isEmpty else {
            throw ValidationError("no cells were run by both \(VersionComparison.short(b)) and \(VersionComparison.short(h)); nothing to compare")
        }
        if format == .json {
            try StandardOutput.write(try VersionComparison.json(rows, base: b, head: h, minPairs: minPairs))
        } else {
            try StandardOutput.write("base \(VersionComparison.short(b)), head \(VersionComparison.short(h))\n\n"
                + VersionComparison.table(rows, markdown: format == .markdown, minPairs: minPairs))
        }
        let regressed = rows.filter(\.regression)
        if !regressed.isEmpty {
            FileHandle.standardError.write(Data("\(regressed.count) significant regression(s)\n".utf8))
            throw ExitCode(1)
        }
    }
}
