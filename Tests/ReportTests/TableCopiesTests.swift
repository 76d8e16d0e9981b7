import CLibXML2
import Foundation
import ResultStore
import Testing
@testable import Report

/// Every table of a page is written as tables/PAGE-K.csv and .tex and linked below it (issue 19
/// item 3). The files are read here with their own small parsers (RFC 4180; booktabs lines
/// split at unescaped &) and compared with the page's HTML read through XPath: as many rows,
/// and in each row the same numbers in the same order.
struct TableCopiesTests {
    let site = SiteTests()

    /// The numbers a text shows, in order (integers, decimals, signs, exponents), as written.
    static func numbers(_ s: String) -> [String] {
        let re = try! NSRegularExpression(pattern: "-?[0-9]+(\\.[0-9]+)?(e-?[0-9]+)?")
        return re.matches(in: s, range: NSRange(s.startIndex..., in: s)).map { String(s[Range($0.range, in: s)!]) }
    }

    /// RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines.
    static func csvRecords(_ text: String) -> [[String]] {
        var records: [[String]] = [], field = "", record: [String] = [], quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { record.append(field); field = ""
            } else if c == "\n" { record.append(field); records.append(record); record = []; field = ""
            } else { field.append(c) }
        }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }

    /// The body lines of a booktabs tabular (between \midrule, or \toprule without a header,
    /// and \bottomrule), each split into cells at & not escaped as \&.
    static func texRows(_ text: String) -> (header: [String]?, rows: [[String]]) {
        let lines = text.split(separator: "\n").map(String.init)
        let top = lines.firstIndex(of: "\\toprule")!, bottom = lines.firstIndex(of: "\\bottomrule")!
        let mid = lines.firstIndex(of: "\\midrule")
        func cells(_ line: String) -> [String] {
            #expect(line.hasSuffix(" \\\\"), "\(line)")
            var out: [String] = [], cur = "", prev: Character = " "
            for c in line.dropLast(3) {
                if c == "&" && prev != "\\" { out.append(cur); cur = "" } else { cur.append(c) }
                prev = c
            }
            return out + [cur]
        }
        let header = mid.map { cells(lines[$0 - 1]) }
        return (header, lines[((mid ?? top) + 1)..<bottom].map(cells))
    }

    func pages(_ out: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        return names.filter { $0.hasSuffix(".html") }.sorted()
    }

    @Test func everyTableHasCSVAndLaTeXCopiesWithThePagesRowsAndNumbers() throws {
        let (out, _) = try site.build(try SyntheticResults.database(commits: ["aaaa1111", "bbbb2222"]))
        var checked = 0, suitePagesWithTables = Set<String>()
        for name in pages(out) {
            let (doc, error) = site.parse(out + "/" + name)
            try #require(doc != nil, "\(name): \(error ?? "")")
            defer { xmlFreeDoc(doc) }
            let count = site.xpath(doc!, "//h:main//h:table").count
            let links = site.xpath(doc!, "//h:main//h:table/following-sibling::*[1][self::h:p]/h:a/@href")
            #expect(links.count == 2 * count, "\(name): \(links)")
            for k in stride(from: 1, through: count, by: 1) {
                let t = "(//h:main//h:table)[\(k)]"
                let stem = String(name.dropLast(5)) + "-\(k)"
                #expect(site.xpath(doc!, "\(t)/following-sibling::*[1]/h:a/@href") == ["tables/\(stem).csv", "tables/\(stem).tex"])
                let csv = try String(contentsOfFile: "\(out)/tables/\(stem).csv", encoding: .utf8)
                let tex = try String(contentsOfFile: "\(out)/tables/\(stem).tex", encoding: .utf8)
                let rowCount = site.xpath(doc!, "\(t)/h:tr").count
                let hasHeader = site.xpath(doc!, "\(t)/h:tr[1]/h:td").isEmpty
                let records = Self.csvRecords(csv)
                let (texHeader, texBody) = Self.texRows(tex)
                #expect(records.count == rowCount, "\(stem).csv")
                #expect(texBody.count + (hasHeader ? 1 : 0) == rowCount, "\(stem).tex")
                #expect((texHeader != nil) == hasHeader, "\(stem).tex")
                if hasHeader {
                    let th = site.xpath(doc!, "\(t)/h:tr[1]/h:th")
                    #expect(texHeader?.count == th.count, "\(stem).tex")
                    #expect(records[0].filter { !$0.hasSuffix(" CI low") && !$0.hasSuffix(" CI high") } == th, "\(stem).csv")
                }
                for r in stride(from: hasHeader ? 2 : 1, through: rowCount, by: 1) {
                    // Cell by cell (a row's content runs the cells' digits together), tags dropped.
                    let cells = site.xpath(doc!, "\(t)/h:tr[\(r)]/*")
                    let tags = site.xpath(doc!, "\(t)/h:tr[\(r)]//h:span[@class='tag']")
                    #expect(tags.allSatisfy { Self.numbers($0).isEmpty })
                    let page = cells.flatMap(Self.numbers)
                    #expect(records[r - 1].flatMap(Self.numbers) == page, "\(stem).csv row \(r)")
                    #expect(texBody[r - (hasHeader ? 2 : 1)].count == cells.count, "\(stem).tex row \(r)")
                    // (R² is R$^2$ in LaTeX: that 2 is not a number.)
                    #expect(texBody[r - (hasHeader ? 2 : 1)].map { $0.replacingOccurrences(of: "$^2$", with: "") }.flatMap(Self.numbers) == page,
                            "\(stem).tex row \(r)")
                    checked += 1
                }
                if SuitePage.all.contains(where: { name.hasPrefix($0.file + "-") }) { suitePagesWithTables.insert(String(name.prefix { $0 != "-" })) }
            }
        }
        // Every suite page kind that draws a table was checked, and history and index too.
        #expect(suitePagesWithTables.isSuperset(of: ["leaderboard", "orders", "similarity", "contributions"]), "\(suitePagesWithTables)")
        #expect(FileManager.default.fileExists(atPath: out + "/tables/history-1.csv") && FileManager.default.fileExists(atPath: out + "/tables/index-1.tex"))
        #expect(checked >= 36, "\(checked)")
        // Run pages carry their tables' CSV in the links (RunPageTablesTests reads them): no files.
        #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/tables").allSatisfy { !$0.hasPrefix("runs") })
    }

    /// The per-environment table (#19 item 2) against the runs: each cell the mean over the
    /// method's runs of the accuracy on that environment after the run's last stage, as the page
    /// prints it; its CSV copy has one record per row and the CI columns.
    @Test func environmentTableIsTheRunsFinalAccuraciesWithCopies() throws {
        let db = try SyntheticResults.database()
        let runs = try Store(path: db, mode: .readOnly).loadRuns().map(\.record)
        let (out, _) = try site.build(db)
        let (doc, _) = site.parse(out + "/leaderboard-demo.html")
        defer { xmlFreeDoc(doc) }
        let t = "//h:table[@class='environments']"
        let heads = site.xpath(doc!, "\(t)/h:tr[1]/h:th")
        let envs = Set(runs.flatMap { $0.accuracy.map(\.environment) })
        #expect(heads.count == envs.count + 1 && heads.last == "heldout1 (held out)")
        let rows = site.xpath(doc!, "\(t)/h:tr").count - 1
        #expect(rows == Set(runs.map(\.methodLabel)).count)
        // Rows in the first leaderboard table's order.
        let ranked = site.xpath(doc!, "(//h:table[@class='leaderboard'])[1]/h:tr/h:td[2]/h:a")
        var checked = 0
        for r in 2...(rows + 1) {
            let m = site.xpath(doc!, "\(t)/h:tr[\(r)]/h:td[1]/h:a")[0]
            #expect(m == ranked[r - 2])
            for (c, h) in heads.enumerated().dropFirst() {
                let e = h.replacingOccurrences(of: " (held out)", with: "")
                var sum = 0.0, n = 0.0
                for run in runs where run.methodLabel == m {
                    let last = run.accuracy.map(\.stage).max()!
                    for a in run.accuracy where a.stage == last && a.environment == e { sum += a.accuracy; n += 1 }
                }
                let shown = site.xpath(doc!, "\(t)/h:tr[\(r)]/h:td[\(c + 1)]")[0]
                #expect(String(shown.prefix { $0 != " " }) == ReportFiguresTests.percent(sum / n), "\(m) \(e)")
                checked += 1
            }
        }
        #expect(checked == rows * envs.count)
        let href = site.xpath(doc!, "\(t)/following-sibling::*[1]/h:a/@href")
        let records = Self.csvRecords(try String(contentsOfFile: out + "/" + href[0], encoding: .utf8))
        #expect(records.count == rows + 1 && records[0].count == 1 + 3 * envs.count)
        #expect(records[0].contains("heldout1 (held out) CI low"))
    }

    /// The leaderboard's best mean of each column is bold on the page (td.best) and in the
    /// .tex (\textbf), and it is the column's maximum (↑) or minimum (↓) of the page's values.
    @Test func theBestOfEachLeaderboardColumnIsBoldOnThePageAndInLaTeX() throws {
        let (out, _) = try site.build(try SyntheticResults.database())
        let (doc, _) = site.parse(out + "/leaderboard-demo.html")
        defer { xmlFreeDoc(doc) }
        let t = "(//h:table[@class='leaderboard'])[1]"
        let heads = site.xpath(doc!, "\(t)/h:tr[1]/h:th")
        let rows = site.xpath(doc!, "\(t)/h:tr").count - 1
        var bold = 0
        for (i, h) in heads.enumerated() where h.hasSuffix(" ↑") || h.hasSuffix(" ↓") || h == "IQM Last" {
            let values = (2...(rows + 1)).map { r in Double(Self.numbers(site.xpath(doc!, "\(t)/h:tr[\(r)]/*[\(i + 1)]").first ?? "").first ?? "")! }
            let best = h.hasSuffix(" ↓") ? values.min()! : values.max()!
            for (r, v) in values.enumerated() {
                let isBest = site.xpath(doc!, "\(t)/h:tr[\(r + 2)]/*[\(i + 1)]/@class") == ["best"]
                #expect(isBest == (v == best), "\(h) row \(r): \(v) vs best \(best)")
                if isBest { bold += 1 }
            }
        }
        #expect(bold >= 7)
        let href = site.xpath(doc!, "\(t)/following-sibling::*[1]/h:a/@href")[1]
        let tex = try String(contentsOfFile: out + "/" + href, encoding: .utf8)
        #expect(tex.components(separatedBy: "\\textbf{").count - 1 == bold)
        #expect(tex.contains("\\usepackage{booktabs}") == false && tex.hasPrefix("% clvbench: Leaderboard: demo · All similarity settings"))
        #expect(tex.contains("Last $\\uparrow$") && tex.contains("\\&"))
    }

    /// `export --format latex` is the site's leaderboard .tex files, ranking tables only, in order.
    @Test func leaderboardLaTeXIsTheSitesFiles() throws {
        let db = try SyntheticResults.database()
        let (out, _) = try site.build(db)
        let (doc, _) = site.parse(out + "/leaderboard-demo.html")
        defer { xmlFreeDoc(doc) }
        let hrefs = site.xpath(doc!, "//h:table[@class='leaderboard']/following-sibling::*[1]/h:a[2]/@href")
        #expect(hrefs.count == 3)  // all settings, sv 0.2, sv 0.8
        let files = try hrefs.map { try String(contentsOfFile: out + "/" + $0, encoding: .utf8) }
        let exported = try SiteBuilder().leaderboardLaTeX(runs: try Store(path: db, mode: .readOnly).loadRuns(), suite: "demo")
        #expect(exported == files.joined(separator: "\n"))
        #expect(throws: ReportError.self) { try SiteBuilder().leaderboardLaTeX(runs: [], suite: "demo") }
    }

    /// The byte-scanning fast paths give what splitting on characters gives (the reference),
    /// and a CR LF inside a field is quoted (one Character, neither "\r" nor "\n" alone).
    @Test func collapsedAndCSVFieldsMatchTheirReferences() {
        for s in ["", " ", "  ", "a", "a b", " a", "a ", "a  b", "a\tb", "a\nb", "a\r\nb", "é b", "a \u{301}b", " \u{301}", "x\u{A0}y", "1 = 2 [3, 4]"] {
            #expect(Page.collapsed(s) == s.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " "), "\(s.debugDescription)")
        }
        #expect(DataTable.csvField("a\r\nb") == "\"a\r\nb\"" && DataTable.csvField("-0.5") == "-0.5" && DataTable.csvField("-x") == "'-x")
        #expect(DataTable.csvField("é,\"") == "\"é,\"\"\"" && DataTable.csvField("@é") == "'@é" && DataTable.csvField("plain") == "plain")
    }

    /// Escaping and CSV quoting on a hand-made table.
    @Test func escapesLaTeXAndQuotesCSV() {
        let t = DataTable(title: "T", page: "p.html", header: ["method", "R²", "λ"],
                          rows: [[.init(text: "a_b & c%"), .init(text: "0.5", ci: ("0.4", "0.6"), best: true), .init(text: "1,000")],
                                 [.init(text: "=cmd \"x\""), .init(text: "-0.25"), .init(text: "n/a")]])
        #expect(t.csv() == "method,R²,R² CI low,R² CI high,λ\na_b & c%,0.5,0.4,0.6,\"1,000\"\n\"'=cmd \"\"x\"\"\",-0.25,,,n/a\n")
        #expect(t.latex() == """
            % clvbench: T (from p.html)
            % [low, high]: 95% bootstrap CI, as on the page.
            % Bold: the best of its column, as on the page.
            \\begin{tabular}{lrr}
            \\toprule
            method & R$^2$ & $\\lambda$ \\\\
            \\midrule
            a\\_b \\& c\\% & \\textbf{0.5} {\\scriptsize [0.4, 0.6]} & 1,000 \\\\
            =cmd \\textquotedbl{}x\\textquotedbl{} & -0.25 & n/a \\\\
            \\bottomrule
            \\end{tabular}

            """)
    }
}
