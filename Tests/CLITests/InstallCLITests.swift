import Foundation
import Testing

/// `make install PREFIX=...` (issue 18 item 5): the binary and its templates land under the
/// prefix, and the installed binary runs a suite and renders its pages from a directory that is
/// not a checkout, writing only where it was told.
struct InstallCLITests {
    @Test func installedBinaryRunsFromAnotherDirectory() throws {
        let prefix = try CLI.temporaryDirectory(), elsewhere = try CLI.temporaryDirectory()
        // SWIFT=true: `swift test` already built the debug binary; make only copies.
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        make.arguments = ["make", "-s", "-C", CLI.packageRoot.path, "install", "PREFIX=\(prefix.path)", "CONFIG=debug", "SWIFT=true"]
        try make.run()
        make.waitUntilExit()
        #expect(make.terminationStatus == 0)
        let bin = prefix.appendingPathComponent("bin/clvbench").path
        #expect(FileManager.default.isExecutableFile(atPath: bin))
        let installedCSS = prefix.appendingPathComponent("share/clvbench/site-template/style.css")
        #expect(try Data(contentsOf: installedCSS) == Data(contentsOf: CLI.packageRoot.appendingPathComponent("site-template/style.css")))

        let suite = """
            name: installed
            world: {kind: procedural, trained: 2, held_out: 0, classes: 2, image_size: 8, train_samples: 16, evaluation_samples: 10}
            orders: [[env1, env2]]
            similarity: {sv: [0.5], sl: [0.5]}
            methods: [finetune]
            seeds: [0]
            model: {vision_hidden: [8], text_width: 8, text_hidden: [8], embedding: 8}
            training: {epochs: 1, batch_size: 8}
            pretraining: {samples: 32, epochs: 1, batch_size: 16}
            """
        try suite.write(to: elsewhere.appendingPathComponent("installed.yaml"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["run", "installed.yaml", "--quiet"]
        p.currentDirectoryURL = elsewhere
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        // Results, cache and pages under the directory it ran from; the templates from the prefix.
        let results = elsewhere.appendingPathComponent("results")
        #expect(FileManager.default.fileExists(atPath: results.appendingPathComponent("clvbench.sqlite").path))
        #expect(FileManager.default.fileExists(atPath: results.appendingPathComponent("site/index.html").path))
        #expect(try Data(contentsOf: results.appendingPathComponent("site/style.css")) == Data(contentsOf: installedCSS))
        #expect(!FileManager.default.fileExists(atPath: prefix.appendingPathComponent("results").path))
    }
}
