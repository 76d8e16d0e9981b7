import CLibXML2
import Foundation

/// A table of a page as its two copies (tables/NAME.csv and tables/NAME.tex in the site).
struct TableFiles {
    var stem: String
    var table: DataTable
    /// The table element's classes ("leaderboard" for a leaderboard's ranking).
    var classes: [String]
}

extension Page {
    /// Every table of the page as data, read back from the page itself (so a copy shows exactly
    /// the page's texts), each followed on the page by links to `hrefPrefix + base-K.csv/.tex`
    /// (K from 1 in page order), or with `inline` by one link holding the CSV itself as a
    /// data: URL (saved as base-K.csv): no file beside the page. `pageFile` is named in the copies.
    func extractTables(base: String, hrefPrefix: String, pageFile: String, inline: Bool = false) -> [TableFiles] {
        var tables: [xmlNodePtr] = []
        Page.walk(xmlDocGetRootElement(doc)) { n in
            guard Page.name(n) == "table" else { return true }
            tables.append(n)
            return false
        }
        let heading = Page.firstText(xmlDocGetRootElement(doc), named: "h1") ?? ""
        var out: [TableFiles] = []
        for (k, node) in tables.enumerated() {
            let stem = "\(base)-\(k + 1)"
            let table = Page.read(node, title: [heading, Page.sectionTitle(node)].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · "),
                                  page: pageFile)
            out.append(TableFiles(stem: stem, table: table, classes: Page.classes(node).map(String.init)))
            guard let parent = node.pointee.parent else { continue }
            let p = xmlNewDocNode(doc, parent.pointee.ns, "p", nil)!
            xmlAddNextSibling(node, p)
            let e = Element(node: p)
            e.set("class", "download")
            e.text("Download this table: ")
            if inline {
                e.add("a", ["href": Page.csvDataURL(table.csv()), "download": stem + ".csv"], text: "CSV")
                continue
            }
            e.add("a", ["href": hrefPrefix + stem + ".csv", "download": stem + ".csv"], text: "CSV")
            e.text(" · ")
            e.add("a", ["href": hrefPrefix + stem + ".tex", "download": stem + ".tex"], text: "LaTeX (booktabs)")
        }
        return out
    }

    /// A CSV text as a data: URL (base64, so no character of it needs escaping in the URL).
    static func csvDataURL(_ csv: String) -> String { "data:text/csv;charset=utf-8;base64," + Data(csv.utf8).base64EncodedString() }

    /// Rows of th/td cells; a first row of th cells only is the header.
    static func read(_ table: xmlNodePtr, title: String, page: String) -> DataTable {
        var header: [String] = []
        var rows: [[DataTable.Cell]] = []
        var note: String?
        var tr = table.pointee.children
        while let r = tr {
            defer { tr = r.pointee.next }
            if name(r) == "caption" { note = collapsed(allText(r)) }
            guard name(r) == "tr" else { continue }
            var cells: [(th: Bool, cell: DataTable.Cell)] = []
            var c = r.pointee.children
            while let cell = c {
                defer { c = cell.pointee.next }
                let n = name(cell)
                guard n == "td" || n == "th" else { continue }
                cells.append((n == "th", Page.cell(cell)))
            }
            if rows.isEmpty && header.isEmpty && !cells.isEmpty && cells.allSatisfy(\.th) {
                header = cells.map(\.cell.text)
            } else {
                rows.append(cells.map(\.cell))
            }
        }
        return DataTable(title: title, page: page, header: header, rows: rows, note: note)
    }

    /// A cell's text without tags (span.tag) and its CI (span.ci, " [low, high]") apart.
    static func cell(_ node: xmlNodePtr) -> DataTable.Cell {
        var text = "", ciText: String?
        walk(node.pointee.children) { n in
            if n.pointee.type == XML_TEXT_NODE, let content = n.pointee.content { text += String(cString: content); return false }
            guard n.pointee.type == XML_ELEMENT_NODE else { return false }
            let cls = classes(n)
            if cls.contains("tag") { return false }
            if cls.contains("ci") { ciText = allText(n); return false }
            return true
        }
        var cell = DataTable.Cell(text: collapsed(text), best: classes(node).contains("best"))
        if let ciText {
            let inner = collapsed(ciText)
            if inner.hasPrefix("["), inner.hasSuffix("]") {
                let parts = inner.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2 { cell.ci = (parts[0], parts[1]) } else { cell.text += " " + inner }
            } else {
                cell.text = collapsed(cell.text + " " + inner)
            }
        }
        return cell
    }

    /// The text of the nearest h2 before the table among its earlier siblings.
    static func sectionTitle(_ node: xmlNodePtr) -> String? {
        var prev = node.pointee.prev
        while let p = prev {
            if name(p) == "h2" { return collapsed(allText(p)) }
            prev = p.pointee.prev
        }
        return nil
    }

    static func firstText(_ root: xmlNodePtr?, named target: String) -> String? {
        var found: String?
        walk(root) { n in
            guard found == nil else { return false }
            if name(n) == target { found = collapsed(allText(n)); return false }
            return true
        }
        return found
    }

    /// Depth-first over `first` and its following siblings; `visit` returns whether to descend.
    static func walk(_ first: xmlNodePtr?, _ visit: (xmlNodePtr) -> Bool) {
        var cur = first
        while let c = cur {
            if visit(c), c.pointee.type == XML_ELEMENT_NODE { walk(c.pointee.children, visit) }
            cur = c.pointee.next
        }
    }

    static func name(_ n: xmlNodePtr) -> String? {
        n.pointee.type == XML_ELEMENT_NODE ? String(cString: n.pointee.name) : nil
    }

    static func classes(_ n: xmlNodePtr) -> [Substring] {
        guard let v = xmlGetProp(n, "class") else { return [] }
        defer { clv_xml_free(v) }
        return String(cString: v).split(separator: " ")
    }

    static func allText(_ n: xmlNodePtr) -> String {
        guard let c = xmlNodeGetContent(n) else { return "" }
        defer { clv_xml_free(c) }
        return String(cString: c)
    }

    static func collapsed(_ s: String) -> String {
        // Most cell texts need nothing: no tab or line break, no leading, trailing or double space.
        var previousSpace = true, work = false
        for b in s.utf8 {
            if b == 9 || b == 10 || b == 13 || (b == 32 && previousSpace) { work = true; break }
            previousSpace = b == 32
        }
        if !work && !(previousSpace && !s.isEmpty) { return s }
        return s.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
    }
}
