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
}
