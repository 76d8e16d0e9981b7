import Foundation
import Testing

@Suite(.serialized)
struct BenchCLITests {
    /// `bench --db` stores every printed figure with this code version; the report draws them.
    @Test func storedFiguresReachTheSpeedPage() throws {
        let dir = try CLI.temporaryDirectory()
        let db = dir.appendingPathComponent("bench.sqlite").path
        // The stage section is slow in a debug build: once is enough to store its figures.
        for (version, sections) in [("1111aaaa", "sgemm,stage"), ("2222bbbb", "sgemm")] {
            let r = try CLI.run(["bench", "--quick", "--sections", sections, "--json", "--db", db],
                                environment: ["CLVBENCH_CODE_VERSION": version])
            #expect(r.status == 0, "stderr: \(r.stderr)")
            let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            let names = (obj["figures"] as! [[String: Any]]).map { $0["name"] as! String }
            #expect(names.contains("sgemm n=512") && names.contains("Shapley attribution per stage") == sections.contains("stage"))
            #expect(r.stderr.contains("stored \(names.count) figures in \(db)"))
        }
        let site = dir.appendingPathComponent("site").path
        let report = try CLI.run(["report", "--db", db, "--out", site])
        #expect(report.status == 0, "stderr: \(report.stderr)")
        let page = try String(contentsOfFile: site + "/speed.html", encoding: .utf8)
        for text in ["1111aaaa", "2222bbbb", "contribution scores per stage", "training per stage", "<svg"] {
            #expect(page.contains(text), "speed.html lacks \(text)")
        }
    }

    /// The numpy peer runs on Debian's python3 (CI installs python3-numpy), names the OpenBLAS it
    /// loaded, and its ratio is the Swift figure of the same run over its own.
    @Test func peerRatiosUseThisRunsFigures() throws {
        let r = try CLI.run(["bench", "--quick", "--sections", "training", "--peer", "--json"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let figures = (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["figures"] as! [[String: Any]]
        func value(_ name: String) -> Double? { figures.first { $0["name"] as? String == name }?["value"] as? Double }
        for b in [64, 128, 256] {
            let swift = try #require(value("train step b=\(b)")), numpy = try #require(value("numpy step b=\(b)"))
            let ratio = try #require(value("swift/numpy b=\(b)"))
            #expect(numpy > 0 && abs(ratio - swift / numpy) <= 1e-9 * ratio)
        }
        let detail = figures.first { $0["name"] as? String == "numpy step b=128" }?["detail"] as? String ?? ""
        #expect(detail.contains("numpy") && detail.contains("openblas"), "\(detail)")
        // The peer computed the same loss and gradients as clvbench before it was timed.
        #expect(try #require(value("numpy peer loss difference")) < 1e-5)
        #expect(try #require(value("numpy peer gradient difference")) < 1e-4)
    }

    /// A peer that computes a different step (here: twice the position-embedding gradient) is
    /// refused before any timing, so its speed is never compared.
    @Test func aPeerComputingAnotherStepIsRefused() throws {
        let dir = try CLI.temporaryDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("benchmarks/perf"), withIntermediateDirectories: true)
        let original = try String(contentsOf: CLI.packageRoot.appendingPathComponent("benchmarks/perf/peer_numpy.py"), encoding: .utf8)
        let wrong = original.replacingOccurrences(of: "g[\"pos\"] = dtok.sum(axis=0)", with: "g[\"pos\"] = 2 * dtok.sum(axis=0)")
        #expect(wrong != original)
        try wrong.write(to: dir.appendingPathComponent("benchmarks/perf/peer_numpy.py"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["bench", "--quick", "--sections", "sgemm", "--peer"], cwd: dir)
        #expect(r.status != 0)
        #expect(r.stderr.contains("does not compute clvbench's step") && r.stderr.contains("pos"), "\(r.stderr)")
        #expect(!r.stdout.contains("swift/numpy"))
    }

    /// --keep leaves the report section's synthetic database and site, and the database is one
    /// `clvbench report` renders again.
    @Test func keptSyntheticDatabaseRendersAgain() throws {
        let dir = try CLI.temporaryDirectory().appendingPathComponent("kept").path
        let r = try CLI.run(["bench", "--quick", "--sections", "report", "--keep", dir])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/site-1000/index.html"))
        let listing = try CLI.run(["list", "runs", "--db", dir + "/runs-1000.sqlite"])
        #expect(listing.status == 0 && listing.stdout.split(separator: "\n").count >= 1000, "\(listing.stderr)")
        let again = try CLI.run(["report", "--db", dir + "/runs-1000.sqlite", "--out", dir + "/again", "--jobs", "2"])
        #expect(again.status == 0, "\(again.stderr)")
        let first = try String(contentsOfFile: dir + "/site-1000/leaderboard-bench.html", encoding: .utf8)
        #expect(try String(contentsOfFile: dir + "/again/leaderboard-bench.html", encoding: .utf8) == first)
    }

    @Test func badSectionsAndPathsFailBeforeMeasuring() throws {
        let unknown = try CLI.run(["bench", "--sections", "sgemm,warp"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown section 'warp'"))
        let orphan = try CLI.run(["bench", "--sections", "sgemm", "--python", "/usr/bin/python3"])
        #expect(orphan.status == 2 && orphan.stderr.contains("--python only applies with --peer"))
        let both = try CLI.run(["bench", "--quick", "--long", "--sections", "sgemm"])
        #expect(both.status == 2 && both.stderr.contains("--quick and --long contradict"), "\(both.stderr)")
        let keepless = try CLI.run(["bench", "--sections", "sgemm", "--keep", "/tmp/unused"])
        #expect(keepless.status == 2 && keepless.stderr.contains("--keep only applies with the report section"))
        let unwritable = try CLI.run(["bench", "--sections", "report", "--keep", "/proc/no-such-dir"])
        #expect(unwritable.status == 2 && unwritable.stderr.contains("cannot create or write"), "\(unwritable.stderr)")
        let dir = try CLI.temporaryDirectory()
        let garbage = dir.appendingPathComponent("not-a-db.sqlite")
        try Data(repeating: 7, count: 4096).write(to: garbage)
        let bad = try CLI.run(["bench", "--sections", "sgemm", "--db", garbage.path])
        #expect(bad.status != 0 && bad.stderr.contains("not a clvbench database"), "\(bad.stderr)")
        #expect(bad.stdout.isEmpty)  // failed before measuring anything
        #expect(try Data(contentsOf: garbage) == Data(repeating: 7, count: 4096))
    }
}
