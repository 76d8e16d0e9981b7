import Foundation
import ResultStore
import Testing
@testable import Report

/// Opens the rendered leaderboard in headless Chromium (Debian's `chromium`; `make test`
/// installs it) with no network, and checks through the dumped DOM that the leaderboard table
/// and an SVG chart rendered.
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
                       "--disable-sync", "--disable-extensions", "--log-level=3", "--dump-dom", "file://\(file)"]
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
}
