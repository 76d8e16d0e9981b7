import Environments
import Foundation
import Testing

/// examples/byo/walkthrough.sh as a researcher runs it, from a temporary directory with the debug
/// binary and a reduced dataset: a generated PNG manifest dataset, the built-in baseline and an
/// external method from its own repository (two commits and an uncommitted edit), a resumed run
/// that does nothing, an imported matrix, a broken CSV row refused, compare, the pages.
@Suite(.serialized)
struct ByoWalkthroughCLITests {
    static let train = 24, evaluation = 12

    struct Walkthrough {
        var dir: URL
        var output: String
        var status: Int32
    }

    /// Runs the walk-through once per test process (it takes a few seconds); every test reads it.
    static let walked: Result<Walkthrough, Error> = Result(catching: {
        let dir = try CLI.temporaryDirectory()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [CLI.packageRoot.appendingPathComponent("examples/byo/walkthrough.sh").path, dir.path]
        var env = ProcessInfo.processInfo.environment
        env["CLVBENCH"] = CLI.executable.path
        env["CLVBENCH_CODE_VERSION"] = "tool-1"
        env["BYO_TRAIN"] = String(train)
        env["BYO_EVAL"] = String(evaluation)
        p.environment = env
        p.currentDirectoryURL = dir.deletingLastPathComponent()
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return Walkthrough(dir: dir, output: text, status: p.terminationStatus)
    })

    func walked() throws -> Walkthrough {
        let w = try Self.walked.get()
        #expect(w.status == 0, "\(w.output)")
        return w
    }

    func runs(_ w: Walkthrough) throws -> [[String: Any]] {
        let db = w.dir.appendingPathComponent("byo.sqlite").path
        let r = try CLI.run(["export", "--db", db, "--format", "jsonl"])
        #expect(r.status == 0, "\(r.stderr)")
        return try r.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    @Test func runsResumeAndEachMethodVersionIsStored() throws {
        let w = try walked(), text = w.output
        // First run: 2 methods x 2 orders x 3 seeds; the same command again trains nothing.
        #expect(text.contains("byo: 12 runs done, 0 diverged, 0 failed, 0 already stored"), "\(text)")
        #expect(text.contains("byo: 0 runs done, 0 diverged, 0 failed, 12 already stored; 0 stages trained"), "\(text)")
        // Each new method version: its 6 runs, the baseline's 6 not retrained.
        #expect(text.components(separatedBy: "byo: 6 runs done, 0 diverged, 0 failed, 6 already stored").count == 3, "\(text)")
        let runs = try runs(w)
        #expect(runs.count == 6 + 18 + 1)
        let versions = runs.filter { $0["method"] as? String == "my-method" }.compactMap { $0["method_version"] as? String }
        #expect(versions.count == 18 && Set(versions).count == 3, "\(versions)")
        let distinct = Array(Set(versions)).sorted { a, b in versions.firstIndex(of: a)! < versions.firstIndex(of: b)! }
        #expect(distinct.count == 3 && distinct[2].hasPrefix(distinct[1] + "+") && distinct[2].hasSuffix("+dirty"))
        #expect(runs.filter { $0["method"] as? String == "finetune" }.count == 6)
        #expect(text.contains("base \(distinct[0].prefix(12)), head \(distinct[1].prefix(12))"), "\(text)")
        // Every trained run has 3 stages (pretrained, colours, sides) x 3 environments (sizes held
        // out), and its stored Last is the mean of the final row's trained columns.
        for run in runs where run["method"] as? String != "paper-baseline" {
            let acc = run["accuracy"] as! [[Double]], metrics = run["metrics"] as! [String: Any]
            #expect(acc.count == 3 && acc.allSatisfy { $0.count == 3 })
            #expect(abs((metrics["last"] as! Double) - (acc[2][0] + acc[2][1]) / 2) < 1e-9)
            // Accuracies are counts over the evaluation split.
            for v in acc.joined() { #expect(abs(v * Double(Self.evaluation) - (v * Double(Self.evaluation)).rounded()) < 1e-9) }
        }
    }

    /// compare between the two commits: 6 pairs (2 orders x 3 seeds), so no row is insufficient,
    /// and each metric's difference is the mean over (order, seed) of head minus base, by hand.
    @Test func compareOfTheTwoCommitsPairsEveryCell() throws {
        let w = try walked()
        #expect(w.output.contains("No row has fewer than 5 pairs"), "\(w.output)")
        let mine = try runs(w).filter { $0["method"] as? String == "my-method" }
        let versions = mine.compactMap { $0["method_version"] as? String }
        let first = versions[0], second = versions.first { !$0.contains(first) && !$0.contains("+") }!
        func metric(_ version: String, _ name: String) -> [String: Double] {
            mine.filter { $0["method_version"] as? String == version }.reduce(into: [:]) { out, run in
                out["\(run["order"]!)/\(run["seed"]!)"] = (run["metrics"] as! [String: Any])[name] as? Double
            }
        }
        let r = try CLI.run(["compare", first, second, "--method", "my-method", "--format", "json",
                             "--db", w.dir.appendingPathComponent("byo.sqlite").path])
        #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
        let rows = (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["rows"] as! [[String: Any]]
        #expect(rows.count == 7)
        for row in rows {
            let name = row["metric"] as! String, base = metric(first, name), head = metric(second, name)
            #expect(base.count == 6 && Set(base.keys) == Set(head.keys), "\(name)")
            let mean = base.keys.map { head[$0]! - base[$0]! }.reduce(0, +) / 6
            #expect(row["pairs"] as? Int == 6 && row["insufficient"] as? Bool == false, "\(row)")
            #expect(abs((row["difference"] as! Double) - mean) < 1e-9, "\(name): \(row) vs \(mean)")
        }
    }

    @Test func theImportedMatrixIsScoredByHand() throws {
        let runs = try runs(try walked())
        let imported = runs.filter { $0["method"] as? String == "paper-baseline" }
        #expect(imported.count == 1 && imported[0]["imported_sha256"] != nil)
        let m = imported[0]["metrics"] as! [String: Any]
        // imported.csv: after sides 0.70 (colours), 0.85 (sides); colours peaked at 0.92.
        #expect(abs((m["last"] as! Double) - 0.775) < 1e-9)
        #expect(abs((m["forgetting"] as! Double) - 0.22) < 1e-9)
        #expect(abs((m["generalization"] as! Double) - 0.55) < 1e-9)
    }

    @Test func aBrokenRowIsRefusedWithItsLineAndNothingIsWritten() throws {
        let w = try walked()
        // The header is line 1, so the appended row is line train + 2.
        #expect(w.output.contains("broken/colours/train.csv:\(Self.train + 2): expected 3 fields (path,label,caption), got 4"), "\(w.output)")
        #expect(w.output.contains("exit status: 2; broken.sqlite was not created"), "\(w.output)")
        #expect(!FileManager.default.fileExists(atPath: w.dir.appendingPathComponent("broken.sqlite").path))
    }

    @Test func thePagesShowBothMethodsAndTheThreeVersions() throws {
        let w = try walked()
        let site = w.dir.appendingPathComponent("site")
        let board = try String(contentsOf: site.appendingPathComponent("leaderboard-byo.html"), encoding: .utf8)
        for label in ["finetune", "my-method", "paper-baseline", "imported", "external"] { #expect(board.contains(label), "\(label)") }
        let versions = try runs(w).filter { $0["method"] as? String == "my-method" }.compactMap { $0["method_version"] as? String }
        let history = try String(contentsOf: site.appendingPathComponent("history.html"), encoding: .utf8)
        for v in Set(versions) { #expect(history.contains(String(v.prefix(10))), "\(v)") }
        #expect(FileManager.default.fileExists(atPath: site.appendingPathComponent("runs/25.html").path))
        // The pretraining cache went to the work directory, where the walk-through runs.
        #expect(FileManager.default.fileExists(atPath: w.dir.appendingPathComponent("results/cache").path))
    }

    /// The generated images show what their CSV rows say: decoded with the repo's PNG decoder,
    /// the shape's pixels (the non-grey ones) are red or blue, left or right of the centre, small
    /// or large, as labelled; and the caption names the label.
    @Test func theGeneratedDatasetMatchesItsLabels() throws {
        let data = try walked().dir.appendingPathComponent("data")
        var checked = 0
        for env in ["colours", "sides", "sizes"] {
            for split in ["train", "eval"] {
                let csv = try String(contentsOf: data.appendingPathComponent("\(env)/\(split).csv"), encoding: .utf8)
                let rows = csv.split(separator: "\n").dropFirst()
                #expect(rows.count == (split == "train" ? Self.train : Self.evaluation))
                for row in rows {
                    let fields = row.split(separator: ",", maxSplits: 2).map(String.init)
                    let (path, label) = (fields[0], fields[1])
                    #expect(fields[2].contains(" \(label)"), "\(row)")
                    let image = try PNG.decode(file: data.appendingPathComponent(path).path)
                    var count = 0, r = 0, b = 0, x = 0
                    for i in 0..<(image.width * image.height) {
                        let px = image.rgb[(3 * i)..<(3 * i + 3)].map(Int.init)
                        if px[0] == px[1] && px[1] == px[2] { continue }
                        count += 1; r += px[0]; b += px[2]; x += i % image.width
                    }
                    switch label {
                    case "red": #expect(r > b, "\(path)")
                    case "blue": #expect(b > r, "\(path)")
                    case "left": #expect(2 * x < count * image.width, "\(path)")
                    case "right": #expect(2 * x > count * image.width, "\(path)")
                    // 32 px images: small radius <= 5.3 px (area <= 89), large >= 8.6 px (area >= 148).
                    case "small": #expect(count > 0 && count < 120, "\(path): \(count)")
                    case "large": #expect(count > 120, "\(path): \(count)")
                    default: Issue.record("unexpected label \(label) in \(env)")
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == 3 * (Self.train + Self.evaluation))
    }

    /// The same seed writes the same bytes (the world's identity hashes them); another seed does not.
    @Test func theDatasetIsAFunctionOfItsSeed() throws {
        let dir = try CLI.temporaryDirectory()
        func generate(_ name: String, _ seed: Int) throws -> [String: Data] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", CLI.packageRoot.appendingPathComponent("examples/byo/make_dataset.py").path,
                           dir.appendingPathComponent(name).path, "--seed", String(seed), "--train", "4", "--eval", "2"]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            let root = dir.appendingPathComponent(name)
            let files = FileManager.default.enumerator(atPath: root.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".png") || $0.hasSuffix(".csv") || $0.hasSuffix(".yaml") }
            return try Dictionary(uniqueKeysWithValues: files.map { ($0, try Data(contentsOf: root.appendingPathComponent($0))) })
        }
        let a = try generate("a", 3), b = try generate("b", 3), c = try generate("c", 4)
        #expect(a.count == 3 * 6 + 6 + 1 && a == b)
        #expect(a.keys.sorted() == c.keys.sorted() && a != c)
    }

    func uncommented(_ line: Substring) -> String {
        String(line.split(separator: "#", omittingEmptySubsequences: false)[0]).trimmingCharacters(in: .whitespaces)
    }

    /// README.md's commands are the walk-through's (with its variables written out).
    @Test func theReadmeListsTheWalkthroughsCommands() throws {
        let here = CLI.packageRoot.appendingPathComponent("examples/byo")
        var script = try String(contentsOf: here.appendingPathComponent("walkthrough.sh"), encoding: .utf8)
        for (from, to) in [("\"$clvbench\"", "clvbench"), ("\"$here/", "examples/byo/"), ("imported.csv\"", "imported.csv"),
                           ("make_dataset.py\"", "make_dataset.py"), ("\"${BYO_TRAIN:-96}\"", "96"), ("\"${BYO_EVAL:-24}\"", "24"),
                           ("\"$first\"", "FIRST"), ("\"$second\"", "SECOND")] {
            script = script.replacingOccurrences(of: from, with: to)
        }
        let lines = Set(script.split(separator: "\n").map { uncommented($0) })
        let readme = try String(contentsOf: here.appendingPathComponent("README.md"), encoding: .utf8)
        let commands = readme.split(separator: "\n").map { uncommented($0) }
            .filter { ($0.hasPrefix("clvbench ") || $0.hasPrefix("python3 ")) }
        #expect(commands.count >= 8)
        for c in commands { #expect(lines.contains(c), "README command not in walkthrough.sh: \(c)") }
    }
}
