import Foundation

extension SiteBuilder {
    /// State while writing one site: the data every page reads, the parsed template this thread
    /// copies for each page, and the paths written so far.
    struct Context {
        let builder: SiteBuilder
        let data: ReportData
        let speedHistory: SpeedHistory
        let template: Page
        var written: [String] = []

        /// A copy of the template with title, stylesheet, navigation and heading filled in.
        func page(_ title: String, depth: Int = 0) throws -> (Page, Element) {
            let p = Page(copying: template)
            let up = String(repeating: "../", count: depth)
            let t = try p.element(id: "title")
            t.clear(); t.text("\(title) · clvbench")
            try p.element(id: "stylesheet").set("href", up + "style.css")
            try p.element(id: "home").set("href", up + "index.html")
            let nav = try p.element(id: "nav")
            nav.clear()
            nav.add("a", ["href": up + "index.html"], text: "Suites")
            for s in data.suites { nav.add("a", ["href": up + SuitePage.leaderboard.fileName(suite: s, data.suiteSlugs)], text: s) }
            nav.add("a", ["href": up + "history.html"], text: "History")
            if !speedHistory.groups.isEmpty { nav.add("a", ["href": up + "speed.html"], text: "Speed") }
            let main = try p.element(id: "content")
            main.clear()
            main.add("h1", text: title)
            return (p, main)
        }

        /// Writes a page with its charts as figures/PAGE-K.svg and each table as
        /// tables/PAGE-K.csv and .tex, linked below it. Run pages pass `inlineTables`: each
        /// table's CSV rides in its link as a data: URL, since a site holds thousands of run
        /// pages and five more files each would multiply the files a report writes (the cost of
        /// a site is mostly file creation: docs/performance.md); their tables are data to reread,
        /// not tables for a paper, so they get no .tex.
        mutating func save(_ p: Page, _ name: String, inlineTables: Bool = false) throws {
            let path = builder.outputDirectory + "/" + name
            let depth = name.filter { $0 == "/" }.count
            let up = String(repeating: "../", count: depth)
            let base = String(name.dropLast(name.hasSuffix(".html") ? 5 : 0)).replacingOccurrences(of: "/", with: "-")
            let figures = p.extractFigures(base: base, hrefPrefix: up + "figures/")
            let copies = p.extractTables(base: base, hrefPrefix: up + "tables/", pageFile: name, inline: inlineTables)
            try p.write(to: path)
            for f in figures { try Page.writeFile(builder.outputDirectory + "/figures/" + f.file, f.bytes) }
            for t in copies where !inlineTables {
                try Page.writeFile(builder.outputDirectory + "/tables/" + t.stem + ".csv", Array(t.table.csv().utf8))
                try Page.writeFile(builder.outputDirectory + "/tables/" + t.stem + ".tex", Array(t.table.latex().utf8))
            }
            written.append(path)
        }

        func explain(_ e: Element, _ text: String) { e.add("p", ["class": "explain"], text: text) }

        /// The frame every suite page shares: title, the suite's navigation, the explanation,
        /// the page's body, the links to the runs behind it, and the file.
        mutating func render(_ page: SuitePage, suite: String) throws {
            try save(try draw(page, suite: suite), page.fileName(suite: suite, data.suiteSlugs))
        }

        /// A suite page, not yet saved (`SiteBuilder.leaderboardLaTeX` reads its tables).
        func draw(_ page: SuitePage, suite: String) throws -> Page {
            let (p, main) = try self.page("\(page.title): \(suite)")
            suiteNav(main, suite)
            versionLine(main, suite: suite)
            let cur = data.current(suite: suite)
            explain(main, page.explanation)
            try page.render(self, main, suite, cur)
            runLinks(main, cur)
            return p
        }

        func suiteNav(_ main: Element, _ suite: String) {
            let p = main.add("p")
            for (i, page) in SuitePage.all.enumerated() {
                if i > 0 { p.text(" · ") }
                p.add("a", ["href": page.fileName(suite: suite, data.suiteSlugs)], text: page.link)
            }
        }

        func methodCell(_ row: Element, _ method: String) {
            let td = row.add("td")
            td.add("a", ["href": "#runs-\(data.methodSlugs[method])"], text: method)
            for t in data.tags(method) { td.add("span", ["class": "tag"], text: t) }
        }

        /// A list of links to the runs behind a table, one anchor per method.
        func runLinks(_ main: Element, _ runs: [ReportData.Run]) {
            main.add("h2", text: "Runs behind these numbers")
            for m in data.methods(runs) {
                let p = main.add("p", ["id": "runs-\(data.methodSlugs[m])"])
                p.add("strong", text: m)
                for t in data.tags(m) { p.add("span", ["class": "tag"], text: t) }
                p.text(": ")
                for r in runs where r.record.methodLabel == m {
                    p.add("a", ["href": "runs/\(r.id).html", "title": "\(r.setting) seed \(r.record.seed) \(r.record.orderKey)"], text: "#\(r.id)")
                    p.text(" ")
                }
            }
        }
    }
}
