import Analysis
import Foundation
import Linalg
import ResultStore

/// The runs of a database arranged for the pages: by suite, code version, method, similarity.
struct ReportData {
    struct Run {
        var id: Int64
        var record: RunRecord
        /// The run's stored metrics that this version knows and that have a value.
        var metric: [ContinualMetric: Double]
        /// The method's label as stored (`record.methodLabel` gains "model / " and "protocol / " in
        /// suites spanning several): what `clvbench analyze` groups and keys its bootstraps by.
        var storedMethod: String
        var setting: String { "sv=\(fmt(record.sv)) sl=\(fmt(record.sl))" }
        /// The method's own version for external and imported runs, clvbench's for built-ins.
        var version: String { record.versionLabel }
        /// clvbench's own version (for built-in runs the same as `version`).
        var clvbenchVersion: String { RunRecord.versionLabel(commit: record.provenance.commit, dirty: record.provenance.dirty) }
        /// Whether `version` made the run, as clvbench's version or as the method's own (nil: any).
        func isMade(by version: String?) -> Bool { version.map { $0 == self.version || $0 == clvbenchVersion } ?? true }
    }

    /// A code version and when its newest run finished (the stored time orders history).
    struct Version: Equatable {
        var id: String
        var lastFinished: String
        /// A commit cut to 10 digits; what follows it (a dirty tree's diff hash, "+dirty") kept.
        var short: String { Version.short(id) }

        static func short(_ id: String) -> String {
            let commit = id.prefix { $0 != "+" }
            return String(commit.prefix(10)) + id.dropFirst(commit.count)
        }
    }

    var runs: [Run]
    var suites: [String]
    /// Page-name parts of the suites and anchor parts of the methods (SlugTable).
    private(set) var suiteSlugs = SlugTable([])
    private(set) var methodSlugs = SlugTable([])
    private var versionsBySuite: [String: [Version]] = [:]
    private var currentBySuite: [String: [Run]] = [:]
    private var externalMethods: Set<String> = []
    private var importedMethods: Set<String> = []

    /// The code version the suite pages were pinned to (`report --code-version`), nil: newest.
    let pinned: String?

    /// `isAncestor`: git's answer for a method's repository (docs/provenance.md); with it a
    /// repository's versions follow ancestry rather than time. `pinned`: a full version label
    /// (`SiteBuilder.resolveCodeVersion`); the suite pages then show the runs it made.
    init(_ stored: [StoredRun], isAncestor: ((String, String, String) -> Bool?)? = nil, pinned: String? = nil) {
        self.pinned = pinned
        // In a suite whose runs span several models, every page's rows are (model, method)
        // pairs: the label pages group by becomes "model / method". A suite of one model keeps
        // its method labels (and its pages their bytes).
        var models: [String: Set<String>] = [:]
        var protocols: [String: Set<String>] = [:]
        for s in stored {
            models[s.record.suiteName, default: []].insert(s.record.model)
            protocols[s.record.suiteName, default: []].insert(s.record.trainingProtocol)
        }
        runs = stored.map { s in
            var m: [ContinualMetric: Double] = [:]
            for (k, v) in s.record.metrics { if let v, let metric = ContinualMetric(rawValue: k) { m[metric] = v } }
            var r = s.record
            let storedMethod = r.methodLabel
            if (models[r.suiteName]?.count ?? 0) > 1 { r.methodLabel = Self.label(model: r.model, method: r.methodLabel) }
            // Likewise for protocols: "frozen / method" when a suite's runs span both.
            if (protocols[r.suiteName]?.count ?? 0) > 1 { r.methodLabel = Self.label(model: r.trainingProtocol, method: r.methodLabel) }
            return Run(id: s.id, record: r, metric: m, storedMethod: storedMethod)
        }
        suites = Array(Set(runs.map { $0.record.suiteName })).sorted()
        suiteSlugs = SlugTable(suites)
        methodSlugs = SlugTable(Array(Set(runs.map { $0.record.methodLabel })))
        externalMethods = Set(runs.filter { $0.record.external }.map { $0.record.methodLabel })
        importedMethods = Set(runs.filter { $0.record.imported }.map { $0.record.methodLabel })
        // Versions and the current runs of each suite, computed once: every page asks for them.
        var last: [String: [String: String]] = [:]
        for run in runs { last[run.record.suiteName, default: [:]][run.version] = max(last[run.record.suiteName]?[run.version] ?? "", run.record.finishedAt) }
        for suite in suites {
            let ids = VersionComparison.versions(runs.filter { $0.record.suiteName == suite }.map(\.record),
                                                 isAncestor: isAncestor)
            let vs = ids.map { Version(id: $0, lastFinished: last[suite]![$0]!) }
            versionsBySuite[suite] = vs
            // Built-in methods at clvbench's newest version; each method with a version of its
            // own (external, imported) at its newest one. Pinned: the runs the version made,
            // as clvbench's or as the method's own, each method at its newest version among them.
            let done = runs.filter { $0.record.suiteName == suite && $0.record.status == .done && $0.isMade(by: pinned) }
            let builtIn = vs.last { v in done.contains { $0.record.methodVersion == nil && $0.version == v.id } }?.id
            var newestOwn: [String: String] = [:]
            for v in vs { for r in done where r.record.methodVersion != nil && r.version == v.id { newestOwn[r.record.methodLabel] = v.id } }
            currentBySuite[suite] = done.filter { r in
                r.record.methodVersion == nil ? r.version == builtIn : r.version == newestOwn[r.record.methodLabel]
            }
        }
    }

    /// The row label of a method's runs with one model, in suites of several models.
    static func label(model: String, method: String) -> String { "\(model) / \(method)" }

    /// Code versions of a suite, oldest first.
    func versions(suite: String) -> [Version] { versionsBySuite[suite] ?? [] }

    /// Finished runs of a suite by its newest code version: what the leaderboards show.
    func current(suite: String) -> [Run] { currentBySuite[suite] ?? [] }

    func methods(_ rs: [Run]) -> [String] { Array(Set(rs.map { $0.record.methodLabel })).sorted() }
    func settings(_ rs: [Run]) -> [(sv: Double, sl: Double)] {
        var seen = Set<[Double]>()
        return rs.map { [$0.record.sv, $0.record.sl] }.filter { seen.insert($0).inserted }
            .sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.map { ($0[0], $0[1]) }
    }

    func isExternal(_ method: String) -> Bool { externalMethods.contains(method) }
    func isImported(_ method: String) -> Bool { importedMethods.contains(method) }
    /// The labels shown beside a method's name: "external", "imported".
    func tags(_ method: String) -> [String] {
        (isExternal(method) ? ["external"] : []) + (isImported(method) ? ["imported"] : [])
    }

    /// Mean with a stratified bootstrap CI over runs (strata: similarity settings).
    static func interval(_ rs: [Run], metric: ContinualMetric, key: String) -> Interval? {
        let pairs = rs.compactMap { r in r.metric[metric].map { ($0, "\(r.record.sv) \(r.record.sl)") } }
        guard !pairs.isEmpty else { return nil }
        let labels = Array(Set(pairs.map(\.1))).sorted()
        let strata = pairs.map { labels.firstIndex(of: $0.1)! }
        return Bootstrap(resamples: 2000, key: RandomKey("report", .string(key), .string(metric.rawValue)))
            .interval(pairs.map(\.0), strata: strata)
    }

    /// Intervals of several metrics over one set of runs. Metrics every run has share one pass
    /// of resamples (`Bootstrap.meanIntervals`); a metric some runs lack is bootstrapped over
    /// the runs that have it. Absent: no run has the metric.
    static func intervals(_ rs: [Run], metrics: [ContinualMetric], key: String) -> [ContinualMetric: Interval] {
        var out: [ContinualMetric: Interval] = [:]
        let complete = metrics.filter { m in !rs.isEmpty && rs.allSatisfy { $0.metric[m] != nil } }
        if !complete.isEmpty {
            let labels = Array(Set(rs.map { "\($0.record.sv) \($0.record.sl)" })).sorted()
            let strata = rs.map { labels.firstIndex(of: "\($0.record.sv) \($0.record.sl)")! }
            let joint = Bootstrap(resamples: 2000, key: RandomKey("report", .string(key), .string("joint")))
                .meanIntervals(complete.map { m in rs.map { $0.metric[m]! } }, strata: strata)
            for (m, iv) in zip(complete, joint) { out[m] = iv }
        }
        for m in metrics where !complete.contains(m) {
            if let iv = interval(rs, metric: m, key: key) { out[m] = iv }
        }
        return out
    }

    /// The metric averaged over seeds for each order: (order, value).
    static func byOrder(_ rs: [Run], metric: ContinualMetric) -> [(order: String, value: Double)] {
        var groups: [String: [Double]] = [:]
        for r in rs { if let v = r.metric[metric] { groups[r.record.orderKey, default: []].append(v) } }
        return groups.keys.sorted().map { ($0, Descriptive.mean(groups[$0]!)) }
    }
}

/// File-name and anchor parts for a set of labels, one per label and never shared: a label
/// whose readable form (lowercase letters and digits, runs of anything else as one `-`, at most
/// 40 characters: `ewc(lambda=1000)` -> `ewc-lambda-1000`) no other label of the set shares keeps
/// it; labels that would share one get the exact escape instead (`Clash` -> `_43lash`,
/// `clash` -> `clash`). Readable forms never contain `_` and an escape without `_` is the label
/// itself, so the two kinds cannot meet.
struct SlugTable: Sendable {
    private var table: [String: String] = [:]

    init(_ labels: [String]) {
        var count: [String: Int] = [:]
        for l in Set(labels) { count[readableSlug(l), default: 0] += 1 }
        for l in Set(labels) {
            let r = readableSlug(l)
            table[l] = !r.isEmpty && count[r] == 1 ? r : slug(l)
        }
    }

    subscript(_ label: String) -> String { table[label] ?? slug(label) }
}

/// The readable form of a label (lossy: `a_b` and `a-b` share `a-b`).
func readableSlug(_ s: String) -> String {
    let allowed = s.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
    var out = String(allowed)
    while out.contains("--") { out = out.replacingOccurrences(of: "--", with: "-") }
    return String(out.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(40))
}

/// A file-name and anchor part for a label, unique per label: lowercase ASCII letters, digits
/// and `-` stay as they are (so `default` and `ewc` keep their names), every other byte of the
/// UTF-8 text becomes `_` and two hex digits (`Clash` -> `_43lash`, `a_b` -> `a_5fb`). A name
/// longer than 100 such characters keeps its first 80 and adds `__` and a 64-bit FNV-1a hash
/// of the whole label (file names stay under the file system's 255 bytes).
func slug(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
            out.append(Character(Unicode.Scalar(b)))
        default:
            out += "_" + String(b >> 4, radix: 16) + String(b & 15, radix: 16)
        }
    }
    guard out.utf8.count > 100 else { return out }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
    let hex = String(hash, radix: 16)
    return String(out.prefix(80)) + "__" + String(repeating: "0", count: 16 - hex.count) + hex
}
