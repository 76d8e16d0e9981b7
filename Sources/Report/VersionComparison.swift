import Analysis
import Foundation
import Linalg
import ResultStore

/// Two code versions compared on identical cells (same cell hash): paired differences with
/// bootstrap CIs and p-values; the metrics of one (suite, method) are tested together, so their
/// p-values get Holm's correction, and a regression is a change worse than the metric's
/// threshold whose adjusted p is below `alpha`. Fewer than `minPairs` pairs: "insufficient",
/// never a regression (3 pairs once made a CI of [0, 0.2] a Forgetting regression).
public enum VersionComparison {
    public struct Row: Sendable, Equatable {
        public var suite: String
        public var method: String
        public var metric: ContinualMetric
        public var pairs: Int
        public var base: Double
        public var head: Double
        public var difference: Interval
        /// Bootstrap p-value of "no change", uncorrected.
        public var p: Double
        /// `p` after Holm's correction over the group's tested metrics; nil when insufficient.
        public var adjustedP: Double?
        /// Fewer pairs than the comparison's minimum: not tested.
        public var insufficient: Bool
        public var regression: Bool
        public var improved: Bool

        public var verdict: String {
            insufficient ? "insufficient" : regression ? "REGRESSION" : improved ? "improved" : "no significant change"
        }
    }

    /// Fewer matched pairs than this and a row is "insufficient" (`compare --min-pairs`).
    public static let defaultMinPairs = 5
    /// Family-wise error rate of one (suite, method) group's metrics.
    public static let alpha = 0.05

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

    /// `latest`, `previous`, or a commit prefix, optionally followed by `+` and a prefix of what
    /// follows the commit in a dirty version (its diff hash). A bare prefix names the clean version
    /// of a commit when that commit also has dirty variants, so the clean one needs no full hash.
    public static func resolve(_ spec: String, among versions: [String]) throws -> String {
        switch spec {
        case "latest":
            guard let v = versions.last else { throw ReportError("the database holds no runs") }
            return v
        case "previous":
            guard versions.count >= 2 else { throw ReportError("'previous' needs two code versions; the database has \(versions.count)") }
            return versions[versions.count - 2]
        default:
            func parts(_ v: String) -> (commit: Substring, rest: Substring?) {
                guard let plus = v.firstIndex(of: "+") else { return (v[...], nil) }
                return (v[..<plus], v[v.index(after: plus)...])
            }
            let want = parts(spec)
            let hits = versions.filter { v in
                let have = parts(v)
                guard have.commit.hasPrefix(want.commit) else { return false }
                guard let r = want.rest else { return true }
                return have.rest?.hasPrefix(r) ?? false
            }
            if hits.count == 1 { return hits[0] }
            if let exact = hits.first(where: { $0 == spec }) { return exact }
            if hits.isEmpty { throw ReportError("no code version starts with '\(spec)'; versions: \(versions.map(short).joined(separator: ", "))") }
            let clean = hits.filter { parts($0).rest == nil }
            if want.rest == nil, clean.count == 1, Set(hits.map { parts($0).commit }).count == 1 { return clean[0] }
            throw ReportError("'\(spec)' matches \(hits.count) code versions (\(hits.map(short).joined(separator: ", "))); give more characters, or COMMIT+DIFFHASH for a dirty one")
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

    public static func compare(_ runs: [RunRecord], base: String, head: String, thresholds: [ContinualMetric: Double] = [:],
                               minPairs: Int = defaultMinPairs) -> [Row] {
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
        for (hash, h) in headCells { if let b = baseCells[hash] { groups[Group(suite: h.suiteName, method: h.methodLabel), default: []].append((b, h)) } }
        var rows: [Row] = []
        for group_ in groups.keys.sorted() {
            let pairs = groups[group_]!.sorted { $0.0.cellHash < $1.0.cellHash }
            let key = "\(group_.suite)\u{1}\(group_.method)"
            var group: [(row: Row, improvement: Double, threshold: Double)] = []
            for m in metrics {
                let p = pairs.compactMap { b, h -> (Double, Double)? in
                    guard let x = b.metrics[m.rawValue] ?? nil, let y = h.metrics[m.rawValue] ?? nil else { return nil }
                    return (x, y)
                }
                guard !p.isEmpty else { continue }
                let threshold = thresholds[m] ?? defaultThreshold
                let c = Comparison.paired(base: p.map(\.0), head: p.map(\.1), direction: m.direction, threshold: threshold,
                                          bootstrap: Bootstrap(resamples: 2000, key: RandomKey("compare", .string(key), .string(m.rawValue))))
                group.append((Row(suite: group_.suite, method: group_.method, metric: m, pairs: p.count,
                                  base: Descriptive.mean(p.map(\.0)), head: Descriptive.mean(p.map(\.1)),
                                  difference: c.difference, p: c.p, adjustedP: nil, insufficient: p.count < minPairs,
                                  regression: false, improved: false), c.improvement, threshold))
            }
            // The family: this group's metrics with enough pairs to be tested.
            let tested = group.indices.filter { !group[$0].row.insufficient }
            for (i, q) in zip(tested, Comparison.holm(tested.map { group[$0].row.p })) {
                group[i].row.adjustedP = q
                group[i].row.regression = q < alpha && group[i].improvement <= -group[i].threshold
                group[i].row.improved = q < alpha && group[i].improvement >= group[i].threshold
            }
            rows += group.map(\.row)
        }
        return rows
    }

    /// A table as text or Markdown (for pull-request comments), with a footer that states the
    /// minimum pairs and the correction.
    public static func table(_ rows: [Row], markdown: Bool, minPairs: Int = defaultMinPairs) -> String {
        let header = ["suite", "method", "metric", "pairs", "base", "head", "head - base [95% CI]", "p", "Holm p", "verdict"]
        let body = rows.map { r in
            [r.suite, r.method, r.metric.label, "\(r.pairs)", fmt(r.base, 4), fmt(r.head, 4),
             "\(fmt(r.difference.estimate, 4)) [\(fmt(r.difference.low, 4)), \(fmt(r.difference.high, 4))]",
             fmt(r.p, 4), r.adjustedP.map { fmt($0, 4) } ?? "-", r.verdict]
        }
        let footer = footnote(rows, minPairs: minPairs)
        if markdown {
            return (["| " + header.joined(separator: " | ") + " |", "|" + String(repeating: " --- |", count: header.count)]
                + body.map { "| " + $0.enumerated().map { $0 < 2 ? markdownCell($1) : $1 }.joined(separator: " | ") + " |" })
                .joined(separator: "\n") + "\n\n" + footer + "\n"
        }
        let shown = body.map { $0.map { DisplayText.neutralised($0, singleLine: true) } }
        let widths = header.indices.map { i in max(header[i].count, shown.map { $0[i].count }.max() ?? 0) }
        func line(_ v: [String]) -> String { zip(v, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") }
        return ([line(header)] + shown.map(line)).joined(separator: "\n") + "\n\n" + footer + "\n"
    }

    /// The rule in one paragraph: n, the family size, the correction, the minimum.
    static func footnote(_ rows: [Row], minPairs: Int) -> String {
        let tested = rows.filter { !$0.insufficient }
        let families = Set(tested.map { [$0.suite, $0.method] }).count
        let sizes = Set(rows.filter { !$0.insufficient }.map { r in tested.filter { $0.suite == r.suite && $0.method == r.method }.count }).sorted()
        var s = "Pairs: \(rows.map(\.pairs).min() ?? 0)-\(rows.map(\.pairs).max() ?? 0) per row. "
        if families > 0 {
            s += "Holm correction over the \(sizes.map(String.init).joined(separator: "/")) metrics of each suite and method "
                + "(\(families) group(s)); a regression needs Holm p < \(alpha) and a change at least the metric's threshold in the worse direction. "
        }
        let short = rows.filter(\.insufficient).count
        s += short == 0 ? "No row has fewer than \(minPairs) pairs." : "\(short) row(s) with fewer than \(minPairs) pairs are insufficient and not tested (--min-pairs)."
        return s
    }

    /// The comparison as JSON (`compare --format json`): versions, rule and one object per row.
    public static func json(_ rows: [Row], base: String, head: String, minPairs: Int = defaultMinPairs) throws -> String {
        let object: [String: Any] = [
            "base": base, "head": head, "min_pairs": minPairs, "alpha": alpha, "correction": "holm",
            "family": "metrics of one suite and method with at least min_pairs pairs",
            "regressions": rows.filter(\.regression).count,
            "rows": rows.map { r -> [String: Any] in
                ["suite": r.suite, "method": r.method, "metric": r.metric.rawValue, "pairs": r.pairs,
                 "base": r.base, "head": r.head, "difference": r.difference.estimate,
                 "ci_low": r.difference.low, "ci_high": r.difference.high, "p": r.p,
                 "holm_p": r.adjustedP.map { $0 as Any } ?? NSNull(), "verdict": r.verdict.lowercased(),
                 "insufficient": r.insufficient, "regression": r.regression, "improved": r.improved]
            },
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
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
