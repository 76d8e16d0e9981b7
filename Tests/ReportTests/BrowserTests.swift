import Foundation
import ResultStore
import Testing
@testable import Report

/// Opens rendered pages in headless Chromium (Debian's `chromium`; `make test` installs it)
/// with no network: the leaderboard's table and chart, and on every page of a site the
/// charts' computed layout and styles at 1280 px (ChartProbe), also for saved SVG figures alone.
struct BrowserTests {
    static let chromium = "/usr/lib/chromium/chromium"

    func dumpDOM(_ file: String) throws -> String {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let out = home.appendingPathComponent("dom.html"), err = home.appendingPathComponent("err.txt")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        // No network namespace: the browser cannot reach anything, as a published page must not need to.
        p.arguments = ["-n", Self.chromium, "--headless", "--no-sandbox", "--user-data-dir=\(home.path)/profile",
                       "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-background-networking", "--disable-component-update",
                       "--disable-sync", "--disable-extensions", "--log-level=3", "--window-size=1280,1000", "--dump-dom", "file://\(file)"]
        p.environment = ["HOME": home.path, "PATH": "/usr/bin:/bin"]
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        p.waitUntilExit()
        return try String(contentsOf: out, encoding: .utf8)
    }

    @Test func leaderboardRendersInChromium() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium),
                     "Chromium is missing: apt-get install --no-install-recommends chromium (make test does this as root)")
        let db = try SyntheticResults.database()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("browser-site-\(UUID().uuidString)").path
        try SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: out).build(store: try Store(path: db, mode: .readOnly))
        let dom = try dumpDOM(out + "/leaderboard-demo.html")
        #expect(dom.contains("<table class=\"leaderboard\">"), "dumped DOM: \(dom.prefix(500))")
        #expect(dom.contains("<svg"))
        #expect(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!dom.contains("<script>alert(1)"))
    }

    /// The leaderboard of a suite with the default suite's shape (four environments, method
    /// labels with parameters) fits the 1280 px window: its ten metric columns and the worst
    /// order once pushed the last column off the edge.
    @Test func leaderboardTablesFitTheWindow() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium))
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("browser-wide-\(UUID().uuidString).sqlite").path
        let store = try Store(path: db)
        let envs = ["env1", "env2", "env3", "env4"]
        for method in ["replay(buffer=500)", "ewc(lambda=1000)", "finetune"] {
            for seed in 0..<2 {
                for k in 0..<4 {
                    try store.insert(SyntheticResults.record(suite: "wide", method: method, commit: "aaaa1111", seed: seed,
                                                             order: Array(envs[k...] + envs[..<k]), sv: 0.25, finishedAt: "2026-01-01T00:00:00Z"))
                }
            }
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("browser-wide-\(UUID().uuidString)").path
        try SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: out).build(store: try Store(path: db, mode: .readOnly))
        let report = try ChartProbe.run(page: out + "/leaderboard-wide.html", dumpDOM)
        #expect(report.failures.isEmpty, "\(report.failures.joined(separator: "; "))")
    }

    /// A leaderboard of eight trained environments and one held out: its per-environment table
    /// (ten columns) and ranking tables still fit the 1280 px window, and its charts pass the probe.
    @Test func eightEnvironmentLeaderboardFitsTheWindow() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium))
        let db = try WideEnvironmentTableTests.database()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("browser-wide8-\(UUID().uuidString)").path
        try SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: out).build(store: try Store(path: db, mode: .readOnly))
        let report = try ChartProbe.run(page: out + "/leaderboard-wide8.html", dumpDOM)
        #expect(report.failures.isEmpty, "\(report.failures.joined(separator: "; "))")
        #expect(try String(contentsOfFile: out + "/leaderboard-wide8.html", encoding: .utf8).contains("<table class=\"environments\">"))
    }

    /// Every top-level page and the first run pages of a synthetic site (several methods, so
    /// line charts with legends): no chart text below 12 px or outside its SVG, every legend
    /// swatch in the colour of its series, legend entries not overlapping, CI bands
    /// translucent and grid lines stroked.
    @Test func chartsRenderReadablyOnEveryPage() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium))
        let db = try SyntheticResults.database()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("browser-charts-\(UUID().uuidString)").path
        try SiteBuilder(templateDirectory: SiteTests.templates, outputDirectory: out).build(store: try Store(path: db, mode: .readOnly))
        let fm = FileManager.default
        let runs = try fm.contentsOfDirectory(atPath: out + "/runs").filter { $0.hasSuffix(".html") }.sorted().prefix(2).map { "runs/" + $0 }
        let pages = try fm.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".html") }.sorted() + runs
        var texts = 0, swatches = 0, svgs = 0
        for page in pages {
            let report = try ChartProbe.run(page: out + "/" + page, dumpDOM)
            #expect(report.failures.isEmpty, "\(page): \(report.failures.joined(separator: "; "))")
            texts += report.texts; swatches += report.swatches; svgs += report.svgs
        }
        #expect(svgs >= 5 && texts >= 50 && swatches >= 4, "\(svgs) SVGs, \(texts) texts, \(swatches) swatches")
        // Each figure file alone, without the page's stylesheet.
        let figures = try fm.contentsOfDirectory(atPath: out + "/figures").filter { $0.hasSuffix(".svg") }.sorted()
        #expect(figures.count >= svgs, "figures: \(figures.count)")
        var alone = 0
        for f in figures where f.hasPrefix("generalization") || f.hasPrefix("similarity") || f.hasPrefix("leaderboard") || f.hasPrefix("contributions") {
            let report = try ChartProbe.run(svg: out + "/figures/" + f, dumpDOM)
            #expect(report.failures.isEmpty, "\(f): \(report.failures.joined(separator: "; "))")
            #expect(report.svgs == 1 && report.texts > 3, "\(f): \(report.texts) texts")
            alone += report.swatches
        }
        #expect(alone >= 2, "saved figures with legends: \(alone) swatches")
    }
}
