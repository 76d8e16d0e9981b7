import Foundation
import Testing

/// `clvbench export --format latex` prints a suite's leaderboard as the tables/*.tex files the
/// report writes beside the page (issue 19 item 3), and refuses an unknown suite.
struct ExportLaTeXCLITests {
    @Test func latexExportIsTheSitesLeaderboardTables() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("s.sqlite").path, site = dir.appendingPathComponent("site").path
        let run = try CLI.run(["run", "benchmarks/smoke.yaml", "--db", db, "--quiet", "--site", site])
        #expect(run.status == 0, "\(run.stderr)")
        let tables = site + "/tables"
        // The ranking tables of the leaderboard page: the pooled one, then one per similarity setting.
        let files = try FileManager.default.contentsOfDirectory(atPath: tables).filter { $0.hasPrefix("leaderboard-smoke-") && $0.hasSuffix(".tex") }
            .sorted { Int($0.dropFirst(18).dropLast(4))! < Int($1.dropFirst(18).dropLast(4))! }
            .map { try String(contentsOfFile: tables + "/" + $0, encoding: .utf8) }
            .filter { $0.hasPrefix("% clvbench: Leaderboard: smoke · All similarity settings") || $0.hasPrefix("% clvbench: Leaderboard: smoke · sv = ") }
        #expect(files.count >= 2)
        let latex = try CLI.run(["export", "--db", db, "--format", "latex"])
        #expect(latex.status == 0, "\(latex.stderr)")
        #expect(latex.stdout == files.joined(separator: "\n"))
        #expect(latex.stdout.contains("\\toprule") && latex.stdout.contains("\\textbf{"))
        let named = try CLI.run(["export", "--db", db, "--format", "latex", "--suite", "smoke"])
        #expect(named.stdout == latex.stdout)
        // report --fraction --precision 2: fractions with two decimals; the default is percent.
        let fractions = dir.appendingPathComponent("fractions").path
        #expect(try CLI.run(["report", "--db", db, "--out", fractions, "--fraction", "--precision", "2"]).status == 0)
        let board = try String(contentsOfFile: fractions + "/leaderboard-smoke.html", encoding: .utf8)
        #expect(board.contains("Accuracy figures are fractions (0 to 1) with 2 decimal(s)."))
        #expect(try String(contentsOfFile: site + "/leaderboard-smoke.html", encoding: .utf8).contains("Accuracy figures are percentages"))
        #expect(try CLI.run(["report", "--db", db, "--out", fractions, "--precision", "9"]).status == 2)
        let unknown = try CLI.run(["export", "--db", db, "--format", "latex", "--suite", "nope"])
        #expect(unknown.status != 0 && unknown.stdout.isEmpty && unknown.stderr.contains("nope"), "\(unknown.stderr)")
    }

    /// `export --format latex --precision N --fraction` (as report's): every figure of the
    /// ranking tables has N decimals, in the scale asked for, and Last is the mean over the
    /// method's runs of the `last` the CSV export gives, rounded to N decimals; the output is
    /// the report's .tex files made with the same options. Options that do not apply exit 2.
    @Test func latexExportTakesReportsPrecisionAndFraction() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("s.sqlite").path
        #expect(try CLI.run(["run", "benchmarks/smoke.yaml", "--db", db, "--quiet", "--no-report"]).status == 0)
        let csv = try CLI.run(["export", "--db", db]).stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let method = csv[0].firstIndex(of: "method")!, last = csv[0].firstIndex(of: "last")!
        var lasts: [String: [Double]] = [:]
        for r in csv.dropFirst() { lasts[r[method], default: []].append(Double(r[last])!) }
        func rounded(_ v: Double, _ digits: Int) -> String {
            let scale = pow(10, Double(digits))
            return String(format: "%.\(digits)f", (v * scale).rounded(.toNearestOrAwayFromZero) / scale)
        }
        let decimal = try NSRegularExpression(pattern: "-?[0-9]+\\.([0-9]+)")
        for (options, digits, scale) in [(["--fraction", "--precision", "2"], 2, 1.0), (["--precision", "3"], 3, 100.0), (["--fraction"], 3, 1.0), ([], 1, 100.0)] {
            let r = try CLI.run(["export", "--db", db, "--format", "latex"] + options)
            #expect(r.status == 0, "\(r.stderr)")
            var rows = 0
            for line in r.stdout.split(separator: "\n") where line.hasSuffix(" \\\\") && !line.hasPrefix("rank") {
                let cells = line.dropLast(3).components(separatedBy: " & ")
                #expect(cells.count == 13, "\(line)")
                guard cells.count == 13, let mine = lasts[cells[1]] else { Issue.record("\(line)"); continue }
                // Every figure of the metric, IQM and worst-order columns with `digits` decimals.
                for cell in cells[3...] {
                    let found = decimal.matches(in: cell, range: NSRange(cell.startIndex..., in: cell))
                    #expect(!found.isEmpty || cell == "n/a", "\(cell)")
                    for m in found { #expect(Range(m.range(at: 1), in: cell).map { cell[$0].count } == digits, "\(options): \(cell)") }
                }
                let shown = String(cells[3].replacingOccurrences(of: "\\textbf{", with: "").prefix { $0 != " " && $0 != "}" })
                #expect(shown == rounded(scale * mine.reduce(0, +) / Double(mine.count), digits), "\(options) \(cells[1]): \(cells[3])")
                rows += 1
            }
            #expect(rows == 4, "\(options)")  // two methods, in the pooled table and the one similarity setting's
            // The same options on report give the same tables.
            let site = dir.appendingPathComponent("site-\(options.joined())").path
            #expect(try CLI.run(["report", "--db", db, "--out", site] + options).status == 0)
            let files = try FileManager.default.contentsOfDirectory(atPath: site + "/tables").filter { $0.hasPrefix("leaderboard-smoke-") && $0.hasSuffix(".tex") }
                .sorted { Int($0.dropFirst(18).dropLast(4))! < Int($1.dropFirst(18).dropLast(4))! }
                .map { try String(contentsOfFile: site + "/tables/" + $0, encoding: .utf8) }
                .filter { $0.hasPrefix("% clvbench: Leaderboard: smoke · All similarity settings") || $0.hasPrefix("% clvbench: Leaderboard: smoke · sv = ") }
            #expect(r.stdout == files.joined(separator: "\n"), "\(options)")
        }
        for bad in [["--format", "latex", "--precision", "9"], ["--format", "latex", "--precision", "-1"], ["--format", "csv", "--precision", "2"],
                    ["--format", "jsonl", "--fraction"]] {
            let r = try CLI.run(["export", "--db", db] + bad)
            #expect(r.status == 2 && r.stdout.isEmpty, "\(bad): \(r.stderr)")
        }
    }
}
