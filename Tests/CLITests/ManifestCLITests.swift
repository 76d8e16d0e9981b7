import Environments
import Foundation
import Testing

/// Manifest environments end to end: a few PNGs written by the repo's encoder, a data.yaml
/// and a suite that names it; then each bad input refused with file:line, exit 2, nothing written.
@Suite(.serialized)
struct ManifestCLITests {
    /// Environment e, class c, sample i: a 12x12 image whose colour says the class (red or
    /// blue, brightness by environment) with a per-sample offset.
    func png(_ e: Int, _ c: Int, _ i: Int) -> Data {
        var rgb = [UInt8]()
        for y in 0..<12 {
            for x in 0..<12 {
                let v = UInt8(120 + 40 * e + (x + y + i) % 16)
                rgb += c == 0 ? [v, 30, 30] : [30, 30, v]
            }
        }
        return PNG.encode(width: 12, height: 12, rgb: rgb)
    }

    /// A dataset directory with data.yaml (envs a, b trained; c held out) and a suite beside it.
    func dataset(manifestTail: String = "", suiteWorld: String = "") throws -> URL {
        let dir = try CLI.temporaryDirectory()
        let fm = FileManager.default
        var yaml = "environments:\n"
        for (e, name) in ["a", "b", "c"].enumerated() {
            try fm.createDirectory(at: dir.appendingPathComponent("img/\(name)"), withIntermediateDirectories: true)
            for (split, n) in [("train", 8), ("eval", 4)] {
                var csv = "path,label,caption\n"
                for i in 0..<n {
                    let c = i % 2, file = "img/\(name)/\(split)\(i).png"
                    try png(e, c, i).write(to: dir.appendingPathComponent(file))
                    csv += "\(file),\(["red", "blue"][c]),\"a \(["red", "blue"][c]) square, number \(i)\"\n"
                }
                try csv.write(to: dir.appendingPathComponent("\(name)-\(split).csv"), atomically: true, encoding: .utf8)
            }
            yaml += """
              - name: \(name)
                classes: [red, blue]
                prompts: ["a red square", "a blue square"]
                train: \(name)-train.csv
                evaluation: \(name)-eval.csv
            \(name == "c" ? "    held_out: true\n" : "")
            """
        }
        try (yaml + manifestTail).write(to: dir.appendingPathComponent("data.yaml"), atomically: true, encoding: .utf8)
        let suite = """
            name: byo-manifest
            world:
              kind: manifest
              path: data.yaml
              image_size: 8
            \(suiteWorld)
            orders: [[a, b], [b, a]]
            similarity:
              sv: [0.5]
              sl: [0.5]
            methods: [finetune]
            seeds: [0]
            model:
              vision_hidden: [16]
              text_width: 8
              text_hidden: [16]
              embedding: 8
            training:
              epochs: 2
              batch_size: 4
            pretraining:
              samples: 32
              epochs: 1
              batch_size: 8

            """
        try suite.write(to: dir.appendingPathComponent("suite.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    func exported(_ db: String) throws -> String {
        let r = try CLI.run(["export", "--format", "jsonl", "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map { line in
            let obj = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let keep = ["order", "accuracy", "metrics", "environments"].reduce(into: [String: Any]()) { $0[$1] = obj[$1] }
            return String(decoding: try! JSONSerialization.data(withJSONObject: keep, options: [.sortedKeys]), as: UTF8.self)
        }.sorted().joined(separator: "\n")
    }

    @Test func aManifestSuiteRunsAndIsDeterministic() throws {
        let dir = try dataset()
        let suite = dir.appendingPathComponent("suite.yaml").path
        let a = dir.appendingPathComponent("a.sqlite").path, b = dir.appendingPathComponent("b.sqlite").path
        let first = try CLI.run(["run", suite, "--db", a, "--json", "--quiet"], cwd: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect(summary?["done"] as? Int == 2)
        #expect(try CLI.run(["run", suite, "--db", b, "--quiet", "--no-report"], cwd: dir).status == 0)
        let ra = try exported(a), rb = try exported(b)
        #expect(!ra.isEmpty && ra == rb)
        // Both stages evaluate a, b and the held-out c; accuracies are fractions.
        let row = try JSONSerialization.jsonObject(with: Data(ra.split(separator: "\n")[0].utf8)) as! [String: Any]
        let acc = row["accuracy"] as! [[Double]]
        #expect(acc.count >= 2 && acc.allSatisfy { $0.count == 3 && $0.allSatisfy { (0...1).contains($0) } })
        // An image edited by one pixel is a different world: the run is not skipped.
        let edited = try PNG.decode(file: dir.appendingPathComponent("img/a/train0.png").path)
        var rgb = edited.rgb
        rgb[0] ^= 1
        try PNG.encode(width: 12, height: 12, rgb: rgb).write(to: dir.appendingPathComponent("img/a/train0.png"))
        let again = try CLI.run(["run", suite, "--db", a, "--json", "--quiet", "--no-report"], cwd: dir)
        let s2 = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
        #expect(s2?["done"] as? Int == 2, "\(again.stdout)\(again.stderr)")
    }

    /// Each bad input: exit 2, the message names file:line and what is wrong, no database.
    @Test(arguments: [
        ("unknown label", "a-train.csv", "img/a/train0.png,green,a green square\n", "a-train.csv:10", "unknown label 'green'"),
        ("missing file", "a-train.csv", "img/a/none.png,red,a red square\n", "a-train.csv:10", "no such file"),
        ("escaping path", "a-train.csv", "../outside.png,red,a red square\n", "a-train.csv:10", "outside the manifest's directory"),
        ("not a PNG", "a-train.csv", "a-eval.csv,red,a red square\n", "a-train.csv:10", "not a PNG file"),
    ])
    func badRowsAreRefused(_ what: String, _ csv: String, _ row: String, _ at: String, _ message: String) throws {
        let dir = try dataset()
        try PNG.encode(width: 2, height: 2, rgb: [UInt8](repeating: 9, count: 12)).write(to: dir.deletingLastPathComponent().appendingPathComponent("outside.png"))
        let url = dir.appendingPathComponent(csv)
        try (String(contentsOf: url, encoding: .utf8) + row).write(to: url, atomically: true, encoding: .utf8)
        try refused(dir, at, message, what)
    }

    @Test func badManifestsAreRefused() throws {
        var dir = try dataset(manifestTail: "  - name: a\n    classes: [x, y]\n    prompts: [x, y]\n    train: a-train.csv\n    evaluation: a-eval.csv\n")
        try refused(dir, "data.yaml:18:11", "duplicate environment name 'a'", "duplicate")
        dir = try dataset()
        try "path,label,caption\n".write(to: dir.appendingPathComponent("b-eval.csv"), atomically: true, encoding: .utf8)
        try refused(dir, "b-eval.csv:1", "the split is empty", "empty split")
        dir = try dataset(manifestTail: "pretraining: ../elsewhere.csv\n")
        try refused(dir, "data.yaml:", "outside the manifest's directory", "escaping pretraining CSV")
        dir = try dataset(suiteWorld: "  seed: 3")
        try refused(dir, "suite.yaml:", "not for kind: manifest", "procedural key")
        // A truncated PNG named by a row.
        dir = try dataset()
        let f = dir.appendingPathComponent("img/b/eval1.png")
        try Data(try Data(contentsOf: f).prefix(30)).write(to: f)
        try refused(dir, "b-eval.csv:3", "malformed PNG", "truncated")
    }

    @Test func allowOutsidePermitsPathsOutsideTheDirectory() throws {
        let dir = try dataset(suiteWorld: "  allow_outside: true")
        try PNG.encode(width: 2, height: 2, rgb: [UInt8](repeating: 9, count: 12)).write(to: dir.deletingLastPathComponent().appendingPathComponent("outside-\(dir.lastPathComponent).png"))
        let url = dir.appendingPathComponent("a-train.csv")
        try (String(contentsOf: url, encoding: .utf8) + "../outside-\(dir.lastPathComponent).png,red,a red square\n").write(to: url, atomically: true, encoding: .utf8)
        let r = try CLI.run(["plan", dir.appendingPathComponent("suite.yaml").path], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// The same manifest suite with two external methods built on examples/external/numpy_clip.py:
    /// one undeclared (protocol 1, as every method before version 2) and one declaring
    /// protocol 2. Each writes what hello gave it for the image files; both runs must succeed.
    @Test func protocolTwoMethodsSeeTheFilesAndVersionOneMethodsStillRun() throws {
        let dir = try dataset()
        let examples = CLI.packageRoot.appendingPathComponent("examples/external").path
        let script = """
            import json, os, sys
            sys.path.insert(0, \(String(reflecting: examples)))
            import clvbench_protocol as protocol
            from numpy_clip import NumpyCLIP

            class Recording(NumpyCLIP):
                def __init__(self, run):
                    super().__init__(run)
                    seen = {"protocol": protocol.PROTOCOL,
                            "files": {e.name: [e.train_files, e.eval_files] for e in run.environments}}
                    json.dump(seen, open(run.parameters["out"], "w"))

            protocol.serve(Recording)

            """
        try script.write(to: dir.appendingPathComponent("recording.py"), atomically: true, encoding: .utf8)
        let suiteURL = dir.appendingPathComponent("suite.yaml")
        let methods = """
            methods:
              - label: v1
                external:
                  command: [python3, recording.py]
                  parameters: {out: v1.json, epochs: "1"}
              - label: v2
                external:
                  command: [python3, recording.py]
                  protocol: 2
                  parameters: {out: v2.json, epochs: "1"}
            """
        let text = try String(contentsOf: suiteURL, encoding: .utf8).replacingOccurrences(of: "methods: [finetune]", with: methods)
            .replacingOccurrences(of: "orders: [[a, b], [b, a]]", with: "orders: [[a, b]]")
        try text.write(to: suiteURL, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("r.sqlite").path
        let r = try CLI.run(["run", suiteURL.path, "--db", db, "--json", "--quiet", "--no-report"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(summary?["done"] as? Int == 2, "\(r.stdout)")
        let v1 = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("v1.json"))) as! [String: Any]
        let v2 = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("v2.json"))) as! [String: Any]
        #expect(v1["protocol"] as? Int == 1 && v2["protocol"] as? Int == 2)
        let none = (v1["files"] as! [String: [Any]]).values.flatMap { $0 }
        #expect(none.count == 6 && none.allSatisfy { $0 is NSNull })
        // The paths are the CSV rows' files, absolute, in row order.
        let real = URL(fileURLWithPath: dir.path).resolvingSymlinksInPath().path
        let files = v2["files"] as! [String: [[String]]]
        for name in ["a", "b", "c"] {
            #expect(files[name]?[0] == (0..<8).map { "\(real)/img/\(name)/train\($0).png" })
            #expect(files[name]?[1] == (0..<4).map { "\(real)/img/\(name)/eval\($0).png" })
        }
        let export = try CLI.run(["export", "--format", "jsonl", "--db", db])
        #expect(export.stdout.split(separator: "\n").count == 2 && !export.stdout.contains("\"failed\""), "\(export.stdout.prefix(400))")
    }

    func refused(_ dir: URL, _ at: String, _ message: String, _ what: String) throws {
        let db = dir.appendingPathComponent("r.sqlite").path
        let r = try CLI.run(["run", dir.appendingPathComponent("suite.yaml").path, "--db", db, "--quiet"], cwd: dir)
        #expect(r.status == 2, "\(what): \(r.stderr)")
        #expect(r.stderr.contains(at) && r.stderr.contains(message), "\(what): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db), "\(what)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path), "\(what)")
    }
}
