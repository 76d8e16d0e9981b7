import Analysis
import Foundation
import Linalg
import ResultStore

/// Two code versions compared on identical cells (same cell hash): paired differences with
/// bootstrap CIs; a regression when the CI excludes zero and the change is worse than the
/// metric's threshold.
public enum VersionComparison {
    public struct Row: Sendable, Equatable {
        public var suite: String
        public var method: String
        public var metric: ContinualMetric
        public var pairs: Int
        public var base: Double
        public var head: Double
        public var difference: Interval
        public var regression: Bool
        public var improved: Bool
    }

    /// Default thresholds: one point of accuracy for every metric (fractions).
    public static let defaultThreshold = 0.01
    public static let metrics: [ContinualMetric] = [.last, .avg, .forgetting, .bwt, .la, .transfer, .generalization]

    /// Code versions of all runs, oldest first by their newest stored finish time. With
    /// `isAncestor(a, b, repository)` (git's answer, nil when it has none), versions read from
    /// one repository are put in ancestry order instead, in the places their times gave them.
    public static func versions(_ runs: [RunRecord],
                                isAncestor: ((String, String, String) -> Bool?)? = nil) -> [String] {
        var last: [String: String] = [:]
        var repository: [String: String] = [:]
        for r in runs {
            let v = r.versionLabel
            last[v] = max(last[v] ?? "", r.finishedAt)
            if let repo = r.methodVersion?.repository { repository[v] = repo }
        }
        var ordered = last.keys.sorted { (last[$0]!, $0) < (last[$1]!, $1) }
        guard let isAncestor else { return ordered }
        func commit(_ v: String) -> String { String(v.prefix { $0 != "+" }) }
        for repo in Set(repository.values).sorted() {
            let slots = ordered.indices.filter { repository[ordered[$0]] == repo && commit(ordered[$0]) != "unknown" }
            var group = slots.map { ordered[$0] }
            // Insertion sort: a version moves before an earlier-timed one whose commit descends from its own.
            for i in group.indices.dropFirst() {
                var j = i
                while j > 0, commit(group[j - 1]) != commit(group[j]),
                      isAncestor(commit(group[j]), commit(group[j - 1]), repo) == true {
                    group.swapAt(j - 1, j)
                    j -= 1
                }
            }
            for (slot, v) in zip(slots, group) { ordered[slot] = v }
        }
        return ordered
    }

    /// A version for print: the commit cut to 12 digits, what follows it (diff hash, "+dirty") kept.
    public static func short(_ version: String) -> String {
        let commit = version.prefix { $0 != "+" }
        return String(commit.prefix(12)) + version.dropFirst(commit.count)
    }

    /// `latest`, `previous`, or a commit prefix (unique).
    public static func resolve(_ spec: String, among versions: [String]) throws -> String {
        switch spec {
        case "latest":
            guard let v = versions.last else { throw ReportError("the database holds no runs") }
            return v
        case "previous":
            guard versions.count >= 2 else { throw ReportError("'previous' needs two code versions; the database has \(versions.count)") }
            return versions[versions.count - 2]
        default:
            let hits = versions.filter { $0.hasPrefix(spec) }
            if hits.count == 1 { return hits[0] }
            if let exact = hits.first(where: { $0 == spec }) { return exact }
            if hits.isEmpty { throw ReportError("no code version starts with '\(spec)'; versions: \(versions.map { String($0.prefix(12)) }.joined(separator: ", "))") }
            throw ReportError("'\(spec)' matches \(hits.count) code versions; give more characters")
        }
    }

    /// `METRIC=NUMBER` of `compare --threshold`: a metric the comparison reports and a
    /// non-negative number; anything else is refused with the names it accepts.
    public static func threshold(parsing s: String) throws -> (ContinualMetric, Double) {
        let kv = s.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard kv.count == 2, let v = Double(kv[1]), v.isFinite, v >= 0 else {
            throw ReportError("--threshold expects METRIC=NUMBER with a number >= 0, got '\(s)'")
        }
        guard let m = ContinualMetric(rawValue: String(kv[0])), metrics.contains(m) else {
            throw ReportError("--threshold: unknown metric '\(kv[0])'; compare reports \(metrics.map(\.rawValue).joined(separator: ", "))")
        }
        return (m, v)
    }

    public static func compare(_ runs: [RunRecord], base: String, head: String, thresholds: [ContinualMetric: Double] = [:]) -> [Row] {
        var baseCells: [String: RunRecord] = [:], headCells: [String: RunRecord] = [:]
        for r in runs where r.status == .done {
            let v = r.versionLabel
            if v == base { baseCells[r.cellHash] = r }
            if v == head { headCells[r.cellHash] = r }
        }
        // Keyed by (suite, method) as a pair: a separator character inside the key would split
        // a label that contains it.
        struct Group: Hashable, Comparable {
            var suite: String, method: String
            static func < (a: Group, b: Group) -> Bool { (a.suite, a.method) < (b.suite, b.method) }
        }
        var groups: [Group: [(RunRecord, RunRecord)]] = [:]
        for (hash, h) in headCells { if let b = baseCells[hash] { groups[Group(suite: h.suiteName, method: h.method), default: []].append((b, h)) } }
        var rows: [Row] = []
        for group in groups.keys.sorted() {
            let pairs = groups[group]!.sorted { $0.0.cellHash < $1.0.cellHash }
            let key = "\(group.suite)\u{1}\(group.method)"
            for m in metrics {
                let p = pairs.compactMap { b, h -> (Double, Double)? in
                    guard let x = b.metrics[m.rawValue] ?? nil, let y = h.metrics[m.rawValue] ?? nil else { return nil }
                    return (x, y)
                }
                guard !p.isEmpty else { continue }
                let c = Comparison.paired(base: p.map(\.0), head: p.map(\.1), direction: m.direction,
                                          threshold: thresholds[m] ?? defaultThreshold,
                                          bootstrap: Bootstrap(resamples: 2000, key: RandomKey("compare", .string(key), .string(m.rawValue))))
                rows.append(Row(suite: group.suite, method: group.method, metric: m, pairs: p.count,
                                base: Descriptive.mean(p.map(\.0)), head: Descriptive.mean(p.map(\.1)),
                                difference: c.difference, regression: c.regression, improved: c.improved))
            }
        }
        return rows
    }

    /// A table as text or Markdown (for pull-request comments).
    public static func table(_ rows: [Row], markdown: Bool) -> String {
        let header = ["suite", "method", "metric", "pairs", "base", "head", "head - base [95% CI]", "verdict"]
        let body = rows.map { r in
            [r.suite, r.method, r.metric.label, "\(r.pairs)", fmt(r.base, 4), fmt(r.head, 4),
             "\(fmt(r.difference.estimate, 4)) [\(fmt(r.difference.low, 4)), \(fmt(r.difference.high, 4))]",
             r.regression ? "REGRESSION" : r.improved ? "improved" : "no significant change"]
        }
        if markdown {
            return (["| " + header.joined(separator: " | ") + " |", "|" + String(repeating: " --- |", count: header.count)]
                + body.map { "| " + $0.enumerated().map { $0 < 2 ? markdownCell($1) : $1 }.joined(separator: " | ") + " |" })
                .joined(separator: "\n") + "\n"
        }
        let shown = body.map { $0.map { DisplayText.neutralised($0, singleLine: true) } }
        let widths = header.indices.map { i in max(header[i].count, shown.map { $0[i].count }.max() ?? 0) }
        func line(_ v: [String]) -> String { zip(v, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") }
        return ([line(header)] + shown.map(line)).joined(separator: "\n") + "\n"
    }

    /// Text for one cell of a GitHub-flavoured markdown table (suite and method names; the other
    /// cells are numbers and words of ours): a label cannot leave its cell
    /// (line breaks become spaces, `|` is escaped), start markup (`*`, `_`, `[`, backticks, `#`...
    /// are backslash-escaped) or carry HTML (`<`, `>` and `&` become entities); control
    /// characters and bidirectional overrides are neutralised.
    static func markdownCell(_ s: String) -> String {
        var out = ""
        for c in DisplayText.neutralised(s, singleLine: true) {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\\", "|", "[", "]", "(", ")", "`", "*", "_", "~", "#", "!", ".", ":", "@":
                out += "\\" + String(c)
            default: out.append(c)
            }
        }
        return out
    }
}
