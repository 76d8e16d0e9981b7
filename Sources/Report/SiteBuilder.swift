import Analysis
import Foundation
import Linalg
import ResultStore

/// Renders the static site from a results database: pages open from file:// with no network,
/// and the same database gives byte-identical files.
public struct SiteBuilder: Sendable {
    public var templateDirectory: String
    public var outputDirectory: String
    /// Threads rendering pages. Each page is built from the database alone, so the files do
    /// not depend on this number.
    public var jobs: Int
    /// Orders a method repository's versions by git ancestry (history, leaderboards); nil: by time.
    public var isAncestor: (@Sendable (String, String, String) -> Bool?)? = nil
    /// The pretrained model's Con scores per (suite, model, similarity), for the ordering
    /// analysis on the task-order page (computed by the caller: Report does not build models).
    public var orderingScores: [OrderingScoresKey: ConScores] = [:]
    /// Code versions with runs a history series needs before its change points are marked
    /// (`report --min-versions`).
    public var changePointMinimumVersions = ChangePoints.defaultMinimumVersions
    /// How the leaderboard prints accuracy figures (`report --precision`, `--fraction`).
    public var numbers = NumberStyle()
    /// The code version the suite pages show (`report --code-version`): a full version label as
    /// `resolveCodeVersion` gives it; nil: each method's newest (docs/provenance.md).
    public var codeVersion: String? = nil
    /// The grid each stored suite text declares, by suite hash (parsed by the caller).
    public var declaredGrids: [String: SuiteGrid] = [:]

    public init(templateDirectory: String = "site-template", outputDirectory: String = "results/site", jobs: Int = 1) {
        self.templateDirectory = templateDirectory
        self.outputDirectory = outputDirectory
        self.jobs = max(1, jobs)
    }

    static let leaderboardMetrics: [ContinualMetric] = [.last, .avg, .forgetting, .bwt, .fwt, .la, .transfer, .generalization]

    /// Writes every page; returns the paths written, index first.
    @discardableResult
    public func build(store: Store) throws -> [String] {
        try build(runs: store.loadRuns(), benchmarks: store.loadBenchmarks())
    }

    /// One unit of rendering work: a page, or a block of run pages.
    enum Task: Sendable {
        case index, history, speed
        case suite(String, SuitePage)
        case runs(Range<Int>)
    }

    /// `benchmarks`: `clvbench bench --db` figures; when there are any, speed.html follows them.
    public func build(runs stored: [StoredRun], benchmarks: [BenchmarkMeasurement] = []) throws -> [String] {
        let templatePath = templateDirectory + "/page.xhtml"
        _ = try Page(template: templatePath)  // fails early, naming the file
        let css = templateDirectory + "/style.css"
        guard let style = FileManager.default.contents(atPath: css) else { throw ReportError("\(css): stylesheet not found") }
        if let v = codeVersion, !Self.knownVersions(stored.map(\.record), isAncestor: isAncestor).contains(v) {
            throw ReportError("no run was made by code version '\(v)'")
        }
        let data = ReportData(stored, isAncestor: isAncestor, pinned: codeVersion)
        try Self.checkUniqueNames(data)
        let site = try SiteDirectory(outputDirectory)
        do {
            var staged = self
            staged.outputDirectory = site.staging
            let written = try staged.render(data: data, style: style, benchmarks: benchmarks, templatePath: templatePath)
            try site.commit()
            return written.map { outputDirectory + $0.dropFirst(site.staging.count) }
        } catch {
            site.discard()
            throw error
        }
    }

    /// Every code version runs were made by: the versions `compare` knows (clvbench's for
    /// built-in runs, the method's own for external and imported ones, oldest first), then
    /// clvbench's versions that only external or imported runs record.
    public static func knownVersions(_ runs: [RunRecord], isAncestor: ((String, String, String) -> Bool?)? = nil) -> [String] {
        var known = VersionComparison.versions(runs, isAncestor: isAncestor)
        var last: [String: String] = [:]
        for r in runs where r.methodVersion != nil {
            let v = RunRecord.versionLabel(commit: r.provenance.commit, dirty: r.provenance.dirty)
            last[v] = max(last[v] ?? "", r.finishedAt)
        }
        let seen = Set(known)
        known += last.keys.filter { !seen.contains($0) }.sorted { (last[$0]!, $0) < (last[$1]!, $1) }
        return known
    }

    /// `report --code-version SPEC`: `latest`, `previous` or a prefix, matched as `compare`
    /// matches (a bare commit prefix names its clean version), among `knownVersions`. An
    /// unknown or ambiguous SPEC throws, naming the known versions.
    public static func resolveCodeVersion(_ spec: String, runs: [RunRecord], isAncestor: ((String, String, String) -> Bool?)? = nil) throws -> String {
        let known = knownVersions(runs, isAncestor: isAncestor)
        do {
            return try VersionComparison.resolve(spec, among: known)
        } catch let e as ReportError where !e.description.contains("; versions: ") {
            // An ambiguous prefix names its matches; the message lists every version as well.
            throw ReportError(e.description + "; versions: " + known.map(VersionComparison.short).joined(separator: ", "))
        }
    }

    /// Two suites (or two methods) whose page names or anchors would coincide: only possible
    /// for labels beyond 100 characters whose hashes collide, refused rather than merged.
    static func checkUniqueNames(_ data: ReportData) throws {
        func check(_ names: [String], _ table: SlugTable, _ what: String) throws {
            var seen: [String: String] = [:]
            for n in names {
                if let other = seen.updateValue(n, forKey: table[n]), other != n {
                    throw ReportError("the \(what) '\(other)' and '\(n)' would share one page name; rename one of them")
                }
            }
        }
        try check(data.suites, data.suiteSlugs, "suites")
        try check(Array(Set(data.runs.map { $0.record.methodLabel })).sorted(), data.methodSlugs, "methods")
    }

    /// Writes every page into `outputDirectory` (the staging directory).
    func render(data: ReportData, style: Data, benchmarks: [BenchmarkMeasurement], templatePath: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: outputDirectory + "/runs", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outputDirectory + "/figures", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outputDirectory + "/tables", withIntermediateDirectories: true)
        try Page.writeFile(outputDirectory + "/style.css", Array(style))
        let speedHistory = SpeedHistory(benchmarks)
        // The statistics-heavy suite pages first, then run pages in blocks: workers that finish
        // a suite page early pick up run pages.
        var tasks: [Task] = [.index]
        for suite in data.suites { tasks += SuitePage.all.map { .suite(suite, $0) } }
        tasks.append(.history)
        if !benchmarks.isEmpty { tasks.append(.speed) }
        let block = 250
        tasks += stride(from: 0, to: data.runs.count, by: block).map { .runs($0..<min($0 + block, data.runs.count)) }
        let builder = self
        let written = try parallelMap(tasks, jobs: jobs, worker: {
            // Each thread parses its own template: libxml2 documents are not shared across threads.
            Context(builder: builder, data: data, speedHistory: speedHistory, template: try Page(template: templatePath))
        }) { (ctx: inout Context, task: Task) -> [String] in
            ctx.written = []
            switch task {
            case .index: try ctx.index()
            case .history: try ctx.history()
            case .speed: try ctx.speed()
            case .suite(let suite, let page): try ctx.render(page, suite: suite)
            case .runs(let range): for i in range { try ctx.runPage(data.runs[i]) }
            }
            return ctx.written
        }
        return written.flatMap { $0 }
    }
}
