import Foundation

/// A table of a page as data, for the tables/*.csv and tables/*.tex copies: the texts the page
/// shows, cell by cell, so a file can never disagree with its page.
struct DataTable: Equatable {
    struct Cell: Equatable {
        /// What the cell shows, without its CI and tags.
        var text: String
        /// The CI's bounds as the page prints them ("[low, high]" in a span.ci).
        var ci: (low: String, high: String)?
        /// Styled as the best of its column (td.best).
        var best = false

        static func == (a: Cell, b: Cell) -> Bool {
            a.text == b.text && a.ci?.low == b.ci?.low && a.ci?.high == b.ci?.high && a.best == b.best
        }
    }

    /// Where the table comes from ("Leaderboard: default · All similarity settings").
    var title: String
    /// The page's file, named in the copies.
    var page: String
    /// Header labels (empty when the table has no header row).
    var header: [String]
    var rows: [[Cell]]
    /// The table's caption (a rule such as the tie groups'): below the .tex tabular; the CSV
    /// has no place for it.
    var note: String? = nil

    var columnCount: Int { max(header.count, rows.map(\.count).max() ?? 0) }

    /// Columns some cell of which carries a CI: the CSV gives them two more columns.
    var columnsWithCI: Set<Int> {
        Set(rows.flatMap { r in r.indices.filter { r[$0].ci != nil } })
    }

    /// RFC 4180 CSV: the header, then one line per row; a column with CIs is followed by
    /// "LABEL CI low" and "LABEL CI high". Text a spreadsheet would run as a formula
    /// (=, +, -, @ before a non-number) gets a leading apostrophe.
    func csv() -> String {
        let ci = columnsWithCI, n = columnCount  // once: each is a pass over every row
        var lines: [String] = []
        if !header.isEmpty {
            var h: [String] = []
            for i in 0..<n {
                let label = i < header.count ? header[i] : ""
                h.append(label)
                if ci.contains(i) { h += ["\(label) CI low", "\(label) CI high"] }
            }
            lines.append(h.map(Self.csvField).joined(separator: ","))
        }
        for r in rows {
            var f: [String] = []
            for i in 0..<n {
                let c = i < r.count ? r[i] : Cell(text: "")
                f.append(c.text)
                if ci.contains(i) { f += [c.ci?.low ?? "", c.ci?.high ?? ""] }
            }
            lines.append(f.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// (Scanned as UTF-8 bytes: the characters looked for are ASCII, and a run page's tables
    /// hold thousands of fields.)
    static func csvField(_ raw: String) -> String {
        var s = raw
        if let first = s.utf8.first, first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: "@"),
           Double(s) == nil { s = "'" + s }
        guard s.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A booktabs tabular to \input (needs \usepackage{booktabs}): header, \midrule, one line
    /// per row; a CI in brackets after its value, in \scriptsize; the best of a column bold.
    /// Numeric columns right-aligned, the rest left.
    func latex() -> String {
        let n = columnCount
        let numeric = (0..<n).map { i in
            i > 0 && rows.allSatisfy { r in i >= r.count || r[i].text.isEmpty || Self.looksNumeric(r[i].text) }
        }
        var out = "% clvbench: \(Self.comment(title)) (from \(page))\n"
        if !columnsWithCI.isEmpty { out += "% [low, high]: 95% bootstrap CI, as on the page.\n" }
        if rows.contains(where: { $0.contains(where: \.best) }) { out += "% Bold: the best of its column, as on the page.\n" }
        out += "\\begin{tabular}{\(numeric.map { $0 ? "r" : "l" }.joined())}\n\\toprule\n"
        if !header.isEmpty {
            out += (0..<n).map { i in i < header.count ? Self.escaped(header[i]) : "" }.joined(separator: " & ") + " \\\\\n\\midrule\n"
        }
        for r in rows {
            out += (0..<n).map { i -> String in
                guard i < r.count else { return "" }
                let c = r[i]
                var s = Self.escaped(c.text)
                if c.best && !s.isEmpty { s = "\\textbf{\(s)}" }
                if let ci = c.ci { s += " {\\scriptsize [\(Self.escaped(ci.low)), \(Self.escaped(ci.high))]}" }
                return s
            }.joined(separator: " & ") + " \\\\\n"
        }
        out += "\\bottomrule\n\\end{tabular}\n"
        if let note { out += "\\par\\smallskip{\\footnotesize \(Self.escaped(note))}\n" }
        return out
    }

    static func looksNumeric(_ s: String) -> Bool {
        guard let first = s.first else { return false }
        return first.isNumber || (first == "-" && s.dropFirst().first?.isNumber == true) || s == "n/a" || s == "–" || s == "-"
    }

    /// A title inside a % comment: one line.
    static func comment(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ") }

    /// LaTeX special characters escaped; the symbols the pages use written as math, so the
    /// file compiles under pdflatex as well as lualatex.
    static func escaped(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\textbackslash{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(ch)
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "<": out += "\\textless{}"
            case ">": out += "\\textgreater{}"
            case "\"": out += "\\textquotedbl{}"
            case "\n", "\r": out += " "
            case "–": out += "--"
            default:
                if let m = math[ch] { out += "$\(m)$" } else { out.append(ch) }
            }
        }
        return out
    }

    static let math: [Character: String] = [
        "↑": "\\uparrow", "↓": "\\downarrow", "→": "\\to", "λ": "\\lambda", "α": "\\alpha", "β": "\\beta",
        "ρ": "\\rho", "σ": "\\sigma", "Δ": "\\Delta", "π": "\\pi", "²": "^2", "≈": "\\approx", "×": "\\times",
        "±": "\\pm", "≥": "\\geq", "≤": "\\leq", "·": "\\cdot", "−": "-",
    ]
}
