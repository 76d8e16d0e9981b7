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

    public init(templateDirectory: String = "site-template", outputDirectory: String = "results/site", jobs: Int = 1) {
        self.templateDirectory = templateDirectory
        self.outputDirectory = outputDirectory
        self.jobs = max(1, jobs)
    }

    static let leaderboardMetrics: [ContinualMetric] = [.last, .forgetting, .bwt, .la, .transfer, .generalization]

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

    enum SuitePage: Sendable, CaseIterable { case leaderboard, orders, similarity, contributions, generalization }

    /// `benchmarks`: `clvbench bench --db` figures; when there are any, speed.html follows them.
    public func build(runs stored: [StoredRun], benchmarks: [BenchmarkMeasurement] = []) throws -> [String] {
        let templatePath = templateDirectory + "/page.xhtml"
        _ = try Page(template: templatePath)  // fails early, naming the file
        let css = templateDirectory + "/style.css"
        guard let style = FileManager.default.contents(atPath: css) else { throw ReportError("\(css): stylesheet not found") }
        let data = ReportData(stored)
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

    /// Two suites (or two methods of a suite) whose page names or anchors would coincide: only
    /// possible for names beyond 100 characters whose hashes collide, refused rather than merged.
    static func checkUniqueNames(_ data: ReportData) throws {
        func check(_ names: [String], _ what: String) throws {
            var seen: [String: String] = [:]
            for n in names {
                if let other = seen.updateValue(n, forKey: slug(n)), other != n {
                    throw ReportError("the \(what) '\(other)' and '\(n)' would share one page name; rename one of them")
                }
            }
        }
        try check(data.suites, "suites")
        try check(Array(Set(data.runs.map { $0.r.method })).sorted(), "methods")
    }

    /// Writes every page into `outputDirectory` (the staging directory).
    func render(data: ReportData, style: Data, benchmarks: [BenchmarkMeasurement], templatePath: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: outputDirectory + "/runs", withIntermediateDirectories: true)
        try Page.writeFile(outputDirectory + "/style.css", Array(style))
        let speedHistory = SpeedHistory(benchmarks)
        // The statistics-heavy suite pages first, then run pages in blocks: workers that finish
        // a suite page early pick up run pages.
        var tasks: [Task] = [.index]
        for suite in data.suites { tasks += SuitePage.allCases.map { .suite(suite, $0) } }
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
            case .suite(let suite, .leaderboard): try ctx.leaderboard(suite)
            case .suite(let suite, .orders): try ctx.orders(suite)
            case .suite(let suite, .similarity): try ctx.similarity(suite)
            case .suite(let suite, .contributions): try ctx.contributions(suite)
            case .suite(let suite, .generalization): try ctx.generalization(suite)
            case .runs(let range): for i in range { try ctx.runPage(data.runs[i]) }
            }
            return ctx.written
        }
        return written.flatMap { $0 }
    }

    /// State while writing one site.
    struct Context {
        let builder: SiteBuilder
        let data: ReportData
        let speedHistory: SpeedHistory
        let template: Page
        var written: [String] = []

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
            for s in data.suites { nav.add("a", ["href": up + "leaderboard-\(slug(s)).html"], text: s) }
            nav.add("a", ["href": up + "history.html"], text: "History")
            if !speedHistory.groups.isEmpty { nav.add("a", ["href": up + "speed.html"], text: "Speed") }
            let main = try p.element(id: "content")
            main.clear()
            main.add("h1", text: title)
            return (p, main)
        }

        mutating func save(_ p: Page, _ name: String) throws {
            let path = builder.outputDirectory + "/" + name
            try p.write(to: path)
            written.append(path)
        }

        func explain(_ e: Element, _ text: String) { e.add("p", ["class": "explain"], text: text) }

        /// The frame every suite page shares: title, the suite's navigation, an explanation,
        /// the body, the links to the runs behind it, and the file.
        func suitePage(_ title: String, suite: String, file: String, explanation: String,
                       body: (Element, [ReportData.Run]) throws -> Void) throws -> String {
            let (p, main) = try page("\(title): \(suite)")
            suiteNav(main, suite)
            let cur = data.current(suite: suite)
            explain(main, explanation)
            try body(main, cur)
            runLinks(main, cur)
            let path = builder.outputDirectory + "/\(file)-\(slug(suite)).html"
            try p.write(to: path)
            return path
        }

        func suiteNav(_ main: Element, _ suite: String) {
            let p = main.add("p")
            for (i, (name, file)) in [("Leaderboard", "leaderboard"), ("Task orders", "orders"), ("Similarity", "similarity"),
                                      ("Contributions", "contributions"), ("Generalization", "generalization")].enumerated() {
                if i > 0 { p.text(" · ") }
                p.add("a", ["href": "\(file)-\(slug(suite)).html"], text: name)
            }
        }

        func methodCell(_ row: Element, _ method: String) {
            let td = row.add("td")
            td.add("a", ["href": "#runs-\(slug(method))"], text: method)
            if data.isExternal(method) { td.add("span", ["class": "tag"], text: "external") }
        }

        /// A list of links to the runs behind a table, one anchor per method.
        func runLinks(_ main: Element, _ runs: [ReportData.Run]) {
            main.add("h2", text: "Runs behind these numbers")
            for m in data.methods(runs) {
                let p = main.add("p", ["id": "runs-\(slug(m))"])
                p.add("strong", text: m)
                if data.isExternal(m) { p.add("span", ["class": "tag"], text: "external") }
                p.text(": ")
                for r in runs where r.r.method == m {
                    p.add("a", ["href": "runs/\(r.id).html", "title": "\(r.setting) seed \(r.r.seed) \(r.r.orderKey)"], text: "#\(r.id)")
                    p.text(" ")
                }
            }
        }

        // MARK: index

        mutating func index() throws {
            let (p, main) = try page("Suites and methods")
            explain(main, "Each suite is a grid of task orders, similarity settings, methods and seeds. Leaderboards show the newest code version of each suite; the history page follows metrics across versions.")
            let table = main.add("table")
            let head = table.add("tr")
            for h in ["suite", "code version", "runs", "methods", "similarity settings", "orders"] { head.add("th", text: h) }
            for s in data.suites {
                let cur = data.current(suite: s)
                let row = table.add("tr")
                row.add("td").add("a", ["href": "leaderboard-\(slug(s)).html"], text: s)
                row.add("td", text: data.versions(suite: s).last?.short ?? "-")
                row.add("td", text: "\(cur.count)")
                row.add("td", text: "\(data.methods(cur).count)")
                row.add("td", text: "\(data.settings(cur).count)")
                row.add("td", text: "\(Set(cur.map { $0.r.orderKey }).count)")
            }
            main.add("h2", text: "Methods")
            let mt = main.add("table")
            let mh = mt.add("tr")
            for h in ["method", "kind", "runs", "command or parameters"] { mh.add("th", text: h) }
            for m in Array(Set(data.runs.map { $0.r.method })).sorted() {
                let example = data.runs.first { $0.r.method == m }!.r
                let row = mt.add("tr")
                row.add("td", text: m)
                row.add("td", text: example.external ? "external" : "built-in")
                row.add("td", text: "\(data.runs.filter { $0.r.method == m }.count)")
                row.add("td", text: example.externalCommand ?? example.methodParameters)
            }
            try save(p, "index.html")
        }

        // MARK: leaderboard

        mutating func leaderboard(_ suite: String) throws {
            let path = try suitePage("Leaderboard", suite: suite, file: "leaderboard", explanation: "Each number is the mean over (seed x order) cells with its 95% bootstrap CI (2,000 resamples, stratified by similarity setting) and n. IQM is the interquartile mean of Last; the worst order is the lowest Last among orders (mean over seeds). Rank is by mean Last.") { main, cur in
                var scopes: [(String, [ReportData.Run])] = [("All similarity settings", cur)]
                var pooledLast: [String: Interval] = [:]  // for the chart below
                for s in data.settings(cur) {
                    scopes.append(("sv = \(fmt(s.sv)), sl = \(fmt(s.sl))", cur.filter { $0.r.sv == s.sv && $0.r.sl == s.sl }))
                }
                for (title, rs) in scopes {
                    main.add("h2", text: title)
                    let methods = data.methods(rs)
                    // Every (method, metric) interval once; the table and the ranking read them.
                    let intervals = methods.map { m in
                        ReportData.intervals(rs.filter { $0.r.method == m }, metrics: SiteBuilder.leaderboardMetrics.map(\.rawValue),
                                             key: suite + title + m)
                    }
                    if pooledLast.isEmpty {
                        for (m, iv) in zip(methods, intervals) { pooledLast[m] = iv["last"] }
                    }
                    let order = methods.indices.sorted { (intervals[$0]["last"]?.estimate ?? -1) > (intervals[$1]["last"]?.estimate ?? -1) }
                    let table = main.add("table", ["class": "leaderboard"])
                    let head = table.add("tr")
                    head.add("th", text: "rank"); head.add("th", text: "method"); head.add("th", text: "n")
                    for m in SiteBuilder.leaderboardMetrics { head.add("th", text: m.label + (m.direction == .higherIsBetter ? " ↑" : " ↓")) }
                    head.add("th", text: "IQM Last"); head.add("th", text: "worst order (Last)")
                    for (rank, i) in order.enumerated() {
                        let m = methods[i]
                        let mr = rs.filter { $0.r.method == m }
                        let row = table.add("tr")
                        row.add("td", text: "\(rank + 1)")
                        methodCell(row, m)
                        row.add("td", text: "\(mr.count)")
                        for metric in SiteBuilder.leaderboardMetrics {
                            let cell = row.add("td")
                            if let ci = intervals[i][metric.rawValue] {
                                cell.text(fmt(ci.estimate, 3))
                                cell.add("span", ["class": "ci"], text: " [\(fmt(ci.low, 3)), \(fmt(ci.high, 3))]")
                            } else {
                                cell.text("n/a")
                            }
                        }
                        let lasts = mr.compactMap { $0.metric["last"] }
                        row.add("td", text: lasts.isEmpty ? "n/a" : fmt(Descriptive.iqm(lasts), 3))
                        if let worst = ReportData.byOrder(mr, metric: "last").min(by: { $0.value < $1.value }) {
                            row.add("td", text: "\(fmt(worst.value, 3)) (\(worst.order))")
                        } else {
                            row.add("td", text: "n/a")
                        }
                    }
                }
                main.add("h2", text: "What the columns mean")
                let dl = main.add("dl")
                for m in SiteBuilder.leaderboardMetrics {
                    dl.add("dt", text: m.label)
                    dl.add("dd", text: m.explanation)
                }

                let methods = data.methods(cur)
                main.add("h2", text: "Probability of improvement (Last)")
                explain(main, "P(row method beats column method) on a random pair of cells, from the Mann-Whitney U statistic; 0.5 means no difference.")
                let pt = main.add("table")
                let ph = pt.add("tr")
                ph.add("th", text: "")
                for m in methods { ph.add("th", text: m) }
                for a in methods {
                    let row = pt.add("tr")
                    row.add("td", text: a)
                    let xa = cur.filter { $0.r.method == a }.compactMap { $0.metric["last"] }
                    for b in methods {
                        let xb = cur.filter { $0.r.method == b }.compactMap { $0.metric["last"] }
                        row.add("td", text: a == b || xa.isEmpty || xb.isEmpty ? "–" : fmt(Comparison.probabilityOfImprovement(xa, over: xb), 2))
                    }
                }
                main.add("h2", text: "Where the variance comes from (Last)")
                explain(main, "Share of each method's variance in Last explained by the seed, the task order and the similarity setting (main effects); the rest is interaction and noise.")
                let vt = main.add("table")
                let vh = vt.add("tr")
                for h in ["method", "seed", "order", "similarity", "other"] { vh.add("th", text: h) }
                for m in methods {
                    let mr = cur.filter { $0.r.method == m && $0.metric["last"] != nil }
                    guard mr.count > 1 else { continue }
                    let (shares, residual) = VarianceDecomposition.shares(
                        values: mr.map { $0.metric["last"]! },
                        factors: ["seed": mr.map { "\($0.r.seed)" }, "order": mr.map { $0.r.orderKey }, "similarity": mr.map(\.setting)])
                    let row = vt.add("tr")
                    row.add("td", text: m)
                    for k in ["seed", "order", "similarity"] { row.add("td", text: fmt(shares[k] ?? 0, 3)) }
                    row.add("td", text: fmt(residual, 3))
                }
                main.add("h2", text: "Last by method")
                Charts.strip(main, label: "Last accuracy of every cell by method, with mean and 95% CI", yLabel: "Last",
                             groups: methods.map { m in
                                 let ci = pooledLast[m]
                                 return (m, cur.filter { $0.r.method == m }.compactMap { $0.metric["last"] }, ci.map { ($0.estimate, $0.low, $0.high) })
                             })
            }
            written.append(path)
        }

        // MARK: orders

        mutating func orders(_ suite: String) throws {
            let path = try suitePage("Task-order robustness", suite: suite, file: "orders", explanation: "How much the answer depends on the order of the environments. Each dot is one order (Last averaged over seeds); the best and worst orders are named; a rank flip is a pair of methods whose order in one task order disagrees with their order over all cells.") { main, cur in
                let methods = data.methods(cur)
                for s in data.settings(cur) {
                    let rs = cur.filter { $0.r.sv == s.sv && $0.r.sl == s.sl }
                    // Last per order (mean over seeds) for each method, once: chart, table and flips read it.
                    let byOrder = methods.map { m in ReportData.byOrder(rs.filter { $0.r.method == m }, metric: "last") }
                    main.add("h2", text: "sv = \(fmt(s.sv)), sl = \(fmt(s.sl))")
                    Charts.strip(main, label: "Last per task order, by method", yLabel: "Last (mean over seeds)",
                                 groups: zip(methods, byOrder).map { ($0, $1.map(\.value), nil) })
                    let table = main.add("table")
                    let head = table.add("tr")
                    for h in ["method", "best order", "Last", "worst order", "Last", "spread"] { head.add("th", text: h) }
                    for (m, bo) in zip(methods, byOrder) {
                        guard let best = bo.max(by: { $0.value < $1.value }), let worst = bo.min(by: { $0.value < $1.value }) else { continue }
                        let row = table.add("tr")
                        methodCell(row, m)
                        row.add("td", text: best.order); row.add("td", text: fmt(best.value, 3))
                        row.add("td", text: worst.order); row.add("td", text: fmt(worst.value, 3))
                        row.add("td", text: fmt(best.value - worst.value, 3))
                    }
                    // Rank flips: method pairs whose order in a task order disagrees with the pooled order.
                    let pooled = methods.map { m in Descriptive.mean(rs.filter { $0.r.method == m }.compactMap { $0.metric["last"] }) }
                    let perOrder = byOrder.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.order, $0.value) }) }
                    var flips = 0, pairs = 0
                    for o in Array(Set(rs.map { $0.r.orderKey })).sorted() {
                        for a in methods.indices {
                            for b in (a + 1)..<methods.count {
                                guard let va = perOrder[a][o], let vb = perOrder[b][o] else { continue }
                                pairs += 1
                                if (va - vb) * (pooled[a] - pooled[b]) < 0 { flips += 1 }
                            }
                        }
                    }
                    explain(main, "Rank flips: \(flips) of \(pairs) (method pair, order) comparisons disagree with the pooled ranking (\(pairs == 0 ? "n/a" : fmt(100 * Double(flips) / Double(pairs), 1) + "%")).")
                }
            }
            written.append(path)
        }

        // MARK: similarity

        mutating func similarity(_ suite: String) throws {
            let path = try suitePage("Similarity sweep", suite: suite, file: "similarity", explanation: "Metrics against the vision similarity sv (averaged over sl) and against the language similarity sl (averaged over sv), per method, with 95% bootstrap CIs. The measured similarity is the mean pairwise SV or SL of the trained environments under the pretrained model.") { main, cur in
                let methods = data.methods(cur)
                for (axis, key) in [("sv", \RunRecord.sv), ("sl", \RunRecord.sl)] {
                    let values = Array(Set(cur.map { $0.r[keyPath: key] })).sorted()
                    let metrics = [ContinualMetric.last, .forgetting]
                    // Both metrics of a (method, value) cell from one pass of resamples.
                    let cis = methods.map { m in
                        values.map { v in
                            ReportData.intervals(cur.filter { $0.r.method == m && $0.r[keyPath: key] == v }, metrics: metrics.map(\.rawValue),
                                                 key: suite + axis + m + "\(v)")
                        }
                    }
                    for metric in metrics {
                        main.add("h2", text: "\(metric.label) against \(axis)")
                        Charts.lines(main, label: "\(metric.label) against \(axis) by method", xLabels: values.map { fmt($0) }, yLabel: metric.label,
                                     series: methods.indices.map { i in
                                         let row = cis[i].map { $0[metric.rawValue] }
                                         return (methods[i], row.map { $0?.estimate ?? .nan }, row.map { $0?.low ?? .nan }, row.map { $0?.high ?? .nan })
                                     })
                    }
                    let table = main.add("table")
                    let head = table.add("tr")
                    head.add("th", text: "\(axis) asked"); head.add("th", text: "measured SV"); head.add("th", text: "measured SL")
                    for v in values {
                        let rs = cur.filter { $0.r[keyPath: key] == v }
                        let row = table.add("tr")
                        row.add("td", text: fmt(v))
                        row.add("td", text: fmt(Descriptive.mean(rs.compactMap { $0.r.measuredSV }), 3))
                        row.add("td", text: fmt(Descriptive.mean(rs.compactMap { $0.r.measuredSL }), 3))
                    }
                }
            }
            written.append(path)
        }

        // MARK: contributions

        mutating func contributions(_ suite: String) throws {
            let path = try suitePage("Modality contributions", suite: suite, file: "contributions", explanation: "When stage t trains environment e_t, an earlier environment e_s (env. #s: the s-th in the order) changes accuracy. The exact Shapley attribution splits that change between the stage's vision, language and shared (logit scale) updates; negative values are forgetting.") { main, cur in
                let methods = data.methods(cur)
                for m in methods {
                    let mr = cur.filter { $0.r.method == m }
                    var sums: [String: [Double]] = [:], counts: [String: Int] = [:]
                    var keys: [String] = []
                    for r in mr {
                        let position = Dictionary(uniqueKeysWithValues: r.r.order.enumerated().map { ($1, $0 + 1) })
                        for a in r.r.attributions {
                            guard let s = position[a.environment], s < a.stage else { continue }
                            let k = "stage \(a.stage), env. #\(s)"
                            if sums[k] == nil { sums[k] = [0, 0, 0]; counts[k] = 0; keys.append(k) }
                            for g in 0..<3 { sums[k]![g] += a.accuracy[g] }
                            counts[k]! += 1
                        }
                    }
                    guard !keys.isEmpty else { continue }
                    let heading = main.add("h2", text: m)
                    if data.isExternal(m) { heading.add("span", ["class": "tag"], text: "external") }
                    keys.sort()
                    Charts.shares(main, label: "Mean Shapley attribution of accuracy change, \(m)",
                                  bars: keys.map { k in (k, sums[k]!.map { $0 / Double(counts[k]!) }) })
                    // Stability of the vision share of forgetting across orders.
                    var shares: [Double] = []
                    for o in Set(mr.map { $0.r.orderKey }).sorted() {
                        var v = 0.0, l = 0.0
                        for r in mr where r.r.orderKey == o {
                            let position = Dictionary(uniqueKeysWithValues: r.r.order.enumerated().map { ($1, $0 + 1) })
                            for a in r.r.attributions where (position[a.environment] ?? 99) < a.stage {
                                v += abs(a.accuracy[0]); l += abs(a.accuracy[1])
                            }
                        }
                        if v + l > 0 { shares.append(v / (v + l)) }
                    }
                    if !shares.isEmpty {
                        explain(main, "Vision share of the attributed change on earlier environments, across \(shares.count) orders: mean \(fmt(Descriptive.mean(shares), 3)), range \(fmt(shares.min()!, 3))–\(fmt(shares.max()!, 3)).")
                    }
                }
                // Do the scores predict forgetting?
                var obs: [ForgettingObservation] = []
                let settings = data.settings(cur).map { "\($0.sv) \($0.sl)" }
                for r in cur {
                    for c in r.r.contributions {
                        let sh = r.r.attributions.first { $0.stage == c.stage && $0.environment == c.earlier }
                        obs.append(ForgettingObservation(scores: [c.sv, c.sl, c.sxEarlierTrained, c.sxTrainedEarlier, c.driftVision, c.driftLanguage],
                                                         forgetting: c.forgetting, shapley: sh?.accuracy,
                                                         stratum: settings.firstIndex(of: "\(r.r.sv) \(r.r.sl)") ?? 0, cluster: Int(r.id)))
                    }
                }
                main.add("h2", text: "Do the contribution scores predict forgetting?")
                if obs.count >= 8 {
                    let v = ScoreValidity.analyse(obs, bootstrap: Bootstrap(resamples: 500, key: RandomKey("validity", .string(suite))))
                    explain(main, "Forgetting f(s,t) regressed on the six scores over \(v.n) (earlier environment, stage) pairs of all methods: R² = \(fmt(v.rSquared, 3)), Spearman ρ = \(fmt(v.spearman, 3)). Vision's share of the explained variance: \(fmt(v.familyShares["vision"] ?? 0, 3)); language: \(fmt(v.familyShares["language"] ?? 0, 3)); cross: \(fmt(v.familyShares["cross"] ?? 0, 3)).")
                    let best = obs.map { $0.scores[4] }
                    let fit = LeastSquares.fit(x: best.map { [$0] }, y: obs.map(\.forgetting))
                    Charts.scatter(main, label: "Forgetting against vision drift DV, with its least-squares line", xLabel: "DV (vision drift of e_s)",
                                   yLabel: "forgetting f(s,t)", points: zip(best, obs.map(\.forgetting)).map { ($0, $1) },
                                   fit: (fit.coefficients[0], fit.coefficients[1]))
                    let table = main.add("table")
                    let head = table.add("tr")
                    for h in ["predictor", "coefficient", "95% CI"] { head.add("th", text: h) }
                    for (i, name) in (["intercept"] + ScoreValidity.predictorNames).enumerated() {
                        let row = table.add("tr")
                        row.add("td", text: name)
                        row.add("td", text: fmt(v.coefficients[i].estimate, 4))
                        row.add("td", text: "[\(fmt(v.coefficients[i].low, 4)), \(fmt(v.coefficients[i].high, 4))]")
                    }
                    if let s = v.shapleyVisionShare {
                        explain(main, "Vision share of forgetting from the scores: \(fmt(v.scoreVisionShare, 3)); from the exact Shapley attribution: \(fmt(s, 3)); disagreement \(fmt(v.shareDisagreement ?? 0, 3)).")
                    }
                } else {
                    explain(main, "Too few (earlier environment, stage) pairs for the regression (\(obs.count); 8 needed).")
                }
            }
            written.append(path)
        }

        // MARK: generalization

        mutating func generalization(_ suite: String) throws {
            let path = try suitePage("Generalization", suite: suite, file: "generalization", explanation: "Zero-shot accuracy on held-out environments (never trained) after each stage, stage 0 being the pretrained model; mean over cells with a 95% bootstrap CI.") { main, cur in
                let methods = data.methods(cur)
                let stages = (cur.flatMap { $0.r.accuracy.map(\.stage) }.max() ?? 0) + 1
                Charts.lines(main, label: "Held-out accuracy over stages by method", xLabels: (0..<stages).map { "stage \($0)" }, yLabel: "held-out accuracy",
                             series: methods.map { m in
                                 // Per run, the mean held-out accuracy at each stage (nil: none at that stage).
                                 let perRun = cur.filter { $0.r.method == m }.map { r in
                                     var sums = [Double](repeating: 0, count: stages), counts = [Int](repeating: 0, count: stages)
                                     for a in r.r.accuracy where a.heldOut && a.stage < stages { sums[a.stage] += a.accuracy; counts[a.stage] += 1 }
                                     return (0..<stages).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : nil }
                                 }
                                 let cis: [Interval?]
                                 if !perRun.isEmpty && perRun.allSatisfy({ $0.allSatisfy { $0 != nil } }) {
                                     // Every run has every stage: one pass of resamples for all stages.
                                     cis = Bootstrap(resamples: 1000, key: RandomKey("gen", .string(suite), .string(m)))
                                         .meanIntervals((0..<stages).map { t in perRun.map { $0[t]! } })
                                 } else {
                                     cis = (0..<stages).map { t -> Interval? in
                                         let values = perRun.compactMap { $0[t] }
                                         return values.isEmpty ? nil : Bootstrap(resamples: 1000, key: RandomKey("gen", .string(suite), .string(m), .int(t))).interval(values)
                                     }
                                 }
                                 return (m, cis.map { $0?.estimate ?? .nan }, cis.map { $0?.low ?? .nan }, cis.map { $0?.high ?? .nan })
                             })
            }
            written.append(path)
        }
    }
}
