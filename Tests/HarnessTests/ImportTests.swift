import Analysis
import Foundation
import Linalg
import Testing
@testable import Harness
import ResultStore

/// `clvbench import`: every format against hand-computed metrics, every refusal with its
/// file:line, nothing stored on an error, a run imported twice stored once.
struct ImportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func example(_ name: String) -> String { root.appendingPathComponent("examples/import/\(name)").path }
    static func temporary(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
    static func read(_ path: String, _ configure: (inout ImportOptions) -> Void = { _ in }) throws -> [ImportedRun] {
        var o = ImportOptions(suite: "s", method: "m")
        configure(&o)
        return try RunImporter.read(files: [path], options: o).map(\.run)
    }
    static func refusal(_ path: String, _ configure: (inout ImportOptions) -> Void = { _ in }) -> String {
        do { _ = try read(path, configure); return "accepted" } catch { return "\(error)" }
    }
    static func near(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-12 } ?? false }

    /// examples/import/coleclip-style.csv, by hand (percent; stage 0 = pretrained; one held-out):
    /// R1 = 80 10 5, R2 = 70 85 8, R3 = 68.01 73.01 90, R0 = 10 40 20, held 40 40 38 35.
    @Test func csvMetricsMatchTheHandComputedOnes() throws {
        let runs = try Self.read(Self.example("coleclip-style.csv")) { $0.heldOut = 1 }
        #expect(runs.count == 1)
        let r = runs[0]
        #expect(r.scale == .percent && r.matrix.hasBaseline && r.order == ["aircraft", "caltech", "dtd"] && r.heldOut == ["held"])
        let m = continualMetrics(r.matrix).mapValues(\.number)
        let last: Double = (0.6801 + 0.7301 + 0.90) / 3
        #expect(Self.near(m[.last]!, last))
        let cells: [Double] = [0.80, 0.10, 0.05, 0.70, 0.85, 0.08, 0.6801, 0.7301, 0.90]
        #expect(Self.near(m[.avg]!, cells.reduce(0, +) / 9))
        #expect(Self.near(m[.forgetting]!, ((0.80 - 0.6801) + (0.85 - 0.7301)) / 2))
        #expect(Self.near(m[.bwt]!, ((0.6801 - 0.80) + (0.7301 - 0.85)) / 2))
        #expect(Self.near(m[.transfer]!, (0.10 + (0.05 + 0.08) / 2) / 2))
        #expect(Self.near(m[.fwt]!, ((0.10 - 0.40) + (0.08 - 0.20)) / 2))
        #expect(Self.near(m[.la]!, (0.80 + 0.85 + 0.90) / 3))
        #expect(Self.near(m[.generalization]!, 0.35) && Self.near(m[.generalizationChange]!, 0.35 - 0.40))
    }

    @Test func anOrderPermutesTheColumnsAndMustMatchThem() throws {
        let path = try Self.temporary("o.csv", "a,b,c\n0.9,0.1,0.2\n0.5,0.8,0.3\n0.4,0.6,0.7\n")
        let r = try Self.read(path) { $0.order = ["b", "a", "c"] }[0]
        #expect(r.columns == ["b", "a", "c"])
        #expect(r.matrix.values == [[0.1, 0.9, 0.2], [0.8, 0.5, 0.3], [0.6, 0.4, 0.7]])
        #expect(Self.refusal(path) { $0.order = ["a", "b", "x"] }.contains("\(path):1: the order names 'x', which is not a trained column"))
        #expect(Self.refusal(path) { $0.order = ["a", "b"] }.contains("\(path):1: the order does not name the trained column 'c'"))
        #expect(Self.refusal(path) { $0.order = ["a", "a", "b"] }.contains("the order names 'a' twice"))
    }

    @Test func everyBadTableIsRefusedWithItsFileAndLine() throws {
        let cases: [(String, String, (inout ImportOptions) -> Void)] = [
            ("a,b\n0.5,0.6\n0.5\n", ":3: 1 fields, expected 2 like the header", { _ in }),
            ("a,b\n0.5,nan\n0.5,0.6\n", ":2: column 'b' is NaN", { _ in }),
            ("a,b\n0.5,0.6\n91.2,0.85\n", ":2: column 'a' is 0.5, a fraction beside the percentage 91.2", { _ in }),
            ("a,b\n0.5,0.6\n0.5,101\n", ":3: column 'b' is 101.0; accuracies are fractions in [0, 1] or percentages in [0, 100]", { _ in }),
            ("a,b\n0.5,-0.1\n0.5,0.6\n", ":2: column 'b' is -0.1; accuracies are not negative", { _ in }),
            ("a,a\n0.5,0.6\n0.5,0.6\n", ":1: environment 'a' names columns 1 and 2; names must be unique", { _ in }),
            ("a,b\n0.5,0.6\n50,60\n", ":3: column 'a' is 50.0, above 1 with --scale fraction", { $0.scale = .fraction }),
            ("a,b\n0.5,x\n0.5,0.6\n", ":2: column 'b': 'x' is not a number", { _ in }),
            ("0.5,0.6\n0.5,0.6\n", ":1: the first line must name the environments", { _ in }),
            ("stage,a,b\n1,0.5,0.6\n3,0.5,0.6\n", ":3: stage 3 after stage 1; stages are consecutive", { _ in }),
            ("a,b\n0.5,0.6\n", ":1: 1 rows for 2 trained environments; expected 2 (one row per stage)", { _ in }),
            ("a,b\n0.5,0.6\n0.5,0.6\n", ":1: --drop-column 'z' is not a column", { $0.dropColumns = ["z"] }),
        ]
        for (text, expected, configure) in cases {
            let path = try Self.temporary("t.csv", text)
            let message = Self.refusal(path, configure)
            #expect(message.hasPrefix(path) && message.contains(expected), "\(text): \(message)")
        }
    }

    /// ZSCL's layout: 11 stages x 12 columns, the last to drop; a genuine 0.62% makes the
    /// detected scale "mixed" until --scale percent says what it is.
    @Test func zsclStyleNumpyNeedsItsColumnsAndAScale() throws {
        let path = Self.example("zscl-style.npy")
        let names = ["aircraft", "caltech", "cifar", "dtd", "eurosat", "flowers", "food", "mnist", "pets", "cars", "sun", "extra"]
        #expect(Self.refusal(path).contains("give --columns with 12 names"))
        #expect(Self.refusal(path) { $0.columns = Array(names.prefix(11)) }.contains("--columns names 11 environments; the matrix has 12 columns"))
        #expect(Self.refusal(path) { $0.columns = names; $0.dropColumns = ["extra"] }.contains("mixed scales; if it is a genuine accuracy below 1%, say --scale percent"))
        let r = try Self.read(path) { $0.columns = names; $0.dropColumns = ["extra"]; $0.scale = .percent }[0]
        #expect(r.matrix.trainedCount == 11 && !r.matrix.hasBaseline && r.columns == Array(names.prefix(11)))
        #expect(r.matrix.values[0][7] == 0.0062 && r.matrix.values[10][10] == 0.85)
        let np = try NPY.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(r.matrix.values[3][2] == np.values[3 * 12 + 2] / 100)
    }

    /// The known case: a repository's stored forgetting 11.79 where its matrix gives 11.99.
    @Test func carriedFiguresAreRecomputedAndEveryDisagreementReported() throws {
        let runs = try Self.read(Self.example("runs.jsonl"))
        #expect(runs.map(\.seed) == [1, 2, 3] && runs.allSatisfy { $0.suite == "byo-demo" && $0.method == "my-clip" && $0.codeVersion == "v1.0" })
        #expect(runs[0].carried == ["last": 77.01, "transfer": 8.25, "forgetting": 11.79])
        let found = runs.flatMap { RunImporter.disagreements($0, continualMetrics($0.matrix)) }
        #expect(found.count == 1)  // last 77.0067 and transfer 8.25 agree within 0.005 points
        #expect(found.first?.figure == "forgetting" && found.first?.given == 11.79)
        #expect(abs((found.first?.computed ?? 0) - 11.99) < 1e-9)
        #expect(found.first?.description == "\(Self.example("runs.jsonl")):1: forgetting: the file says 11.79, its matrix gives 11.9900 (difference +0.2000)")
    }

    @Test func badJSONLinesAreRefusedWithTheirLine() throws {
        let good = #"{"order": ["a", "b"], "matrix": [[0.5, 0.1], [0.4, 0.9]]}"#
        let cases = [
            (good + "\n" + #"{"order": ["a", "b"], "matrix": [[0.5, 0.1], [0.4]]}"#, ":2: row 2 has 1 values, expected 2"),
            (good + "\n\n" + #"{"order": ["a", "b"], "matrix": [[0.5, NaN], [0.4, 0.9]]}"#, ":3: NaN is not a JSON number"),
            (#"{"order": ["a", "b"], "matrix": [[0.5, 0.1], [0.4, 0.9]], "forgeting": 1}"#, ":1: unknown field 'forgeting'"),
            (#"{"order": ["a", "b"]}"#, ":1: missing 'matrix'"),
            (#"{"order": ["a", "b"], "columns": ["a", "c"], "matrix": [[0.5, 0.1], [0.4, 0.9]]}"#, ":1: the order names 'b', which is not a trained column"),
            (#"{"order": ["a", "b"], "matrix": [[0.5, 0.1], [0.4, 0.9]], "seed": true}"#, ":1: 'seed' must be a whole number"),
            ("not json", ":1: not a JSON object"),
        ]
        for (text, expected) in cases {
            let path = try Self.temporary("r.jsonl", text + "\n")
            let message = Self.refusal(path)
            #expect(message.hasPrefix(path) && message.contains(expected), "\(text): \(message)")
        }
    }

    @Test func storesOnceAndNothingOnAnyError() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString).sqlite").path
        let store = try Store(path: db)
        var o = ImportOptions(suite: "byo-demo", method: "coleclip")
        o.heldOut = 1
        o.codeVersion = "c1"
        let bad = try Self.temporary("bad.csv", "a,b\n0.5,0.6\n0.5\n")
        // A good file and a bad one: nothing at all is stored.
        #expect(throws: ImportError.self) { try RunImporter.run(files: [Self.example("coleclip-style.csv"), bad], options: o, store: store) }
        #expect(try store.loadRuns().isEmpty)
        let first = try RunImporter.run(files: [Self.example("coleclip-style.csv")], options: o, store: store)
        #expect(first.inserted == 1 && first.alreadyStored == 0)
        let again = try RunImporter.run(files: [Self.example("coleclip-style.csv")], options: o, store: store)
        #expect(again.inserted == 0 && again.alreadyStored == 1)
        let stored = try store.loadRuns()
        #expect(stored.count == 1)
        let r = stored[0].record
        let sha = ProvenanceProbe.sha256Hex(try Data(contentsOf: URL(fileURLWithPath: Self.example("coleclip-style.csv"))))
        #expect(r.importSource == ImportSource(file: Self.example("coleclip-style.csv"), sha256: sha) && r.imported)
        #expect(r.methodVersion?.label == "c1" && r.versionLabel == "c1" && !r.lossKnown && r.methodName == "imported")
        #expect(r.accuracy.count == 16 && r.accuracy.first { $0.stage == 3 && $0.column == 1 }?.accuracy == 73.01 / 100)
        #expect(Self.near(r.metrics["forgetting"]!, ((0.80 - 0.6801) + (0.85 - 0.7301)) / 2))
        // The same run with other values at the same version: refused, nothing changed.
        let changed = try Self.temporary("coleclip-style.csv", try String(contentsOfFile: Self.example("coleclip-style.csv"), encoding: .utf8)
            .replacingOccurrences(of: "68.01", with: "60.00"))
        #expect(throws: StoreError.self) { try RunImporter.run(files: [changed], options: o, store: store) }
        #expect(try store.loadRuns().map(\.record) == stored.map(\.record))
        // At a new version it is a new run.
        o.codeVersion = "c2"
        #expect(try RunImporter.run(files: [changed], options: o, store: store).inserted == 1)
    }

    /// Contribution scores from an embeddings directory; forgetting f(s,t) from the matrix.
    @Test func embeddingsGiveContributionRows() throws {
        let dir = Self.root.appendingPathComponent("examples/embeddings").path
        let line = #"{"order": ["env-a", "env-b"], "columns": ["env-a", "env-b", "env-c"], "held_out": 1, "baseline_row": true, "#
            + #""matrix": [[0.2, 0.3, 0.25], [0.9, 0.35, 0.3], [0.7, 0.8, 0.28]], "loss": [[2, 2, 2], [0.5, 1.5, 1.8], [0.9, 0.6, 1.7]], "#
            + #""embeddings": "\#(dir)"}"#
        let path = try Self.temporary("e.jsonl", line + "\n")
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("import-\(UUID().uuidString).sqlite").path
        let store = try Store(path: db)
        _ = try RunImporter.run(files: [path], options: ImportOptions(suite: "e", method: "m"), store: store)
        let r = try store.loadRuns()[0].record
        let manifest = try EmbeddingManifest.decode(Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json")))
        let report = try ContributionReport.compute(manifest, array: { try NPY.read(path: dir + "/" + $0) })
        #expect(r.contributions.count == 1)
        let c = r.contributions[0], expected = report.stageContributions[0]
        #expect(c.stage == 2 && c.trained == "env-b" && c.earlier == "env-a" && c.sv == expected.sv && c.sxEarlierTrained == expected.sxEarlierTrained)
        #expect(Self.near(c.forgetting, 0.9 - 0.7))
        #expect(r.lossKnown && r.accuracy.first { $0.stage == 2 && $0.column == 1 }?.loss == 0.6)
        #expect(r.embeddings.count == 9)
        // No gradients in an embeddings directory: no gradient alignment (schema v11).
        #expect(r.gradientAlignment.isEmpty)
        // The four scores of both ordered pairs of the trained environments at each of the 3
        // checkpoints, the held-out env-c left out; each from the mean embeddings directly.
        #expect(r.conPairs.count == 3 * 2 && r.conPairs.allSatisfy { $0.environmentA != "env-c" && $0.environmentB != "env-c" })
        for cp in manifest.checkpoints {
            func mean(_ file: String) throws -> [Double] {
                let m = try NPY.read(path: dir + "/" + file).matrix().l2NormalizedRows().normalized
                return (0..<m.cols).map { j in (0..<m.rows).map { Double(m[$0, j]) }.reduce(0, +) / Double(m.rows) }
            }
            func dot(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).map { $0 * $1 }.reduce(0, +) }
            let f = cp.environments
            let vA = try mean(f["env-a"]!.images), lA = try mean(f["env-a"]!.captions)
            let vB = try mean(f["env-b"]!.images), lB = try mean(f["env-b"]!.captions)
            let ab = try #require(r.conPairs.first { $0.stage == cp.stage && $0.environmentA == "env-a" })
            let ba = try #require(r.conPairs.first { $0.stage == cp.stage && $0.environmentA == "env-b" })
            for (stored, ref) in [(ab.conImageToText, dot(vA, lB)), (ab.conTextToImage, dot(lA, vB)), (ab.conImageToImage, dot(vA, vB)),
                                  (ab.conTextToText, dot(lA, lB)), (ba.conImageToText, dot(vB, lA)), (ba.conTextToImage, dot(lB, vA))] {
                #expect(abs(stored - ref) < 1e-9, "stage \(cp.stage): \(stored) vs \(ref)")
            }
        }
        // Checkpoints that trained another order are refused.
        let swapped = try Self.temporary("e.jsonl", line.replacingOccurrences(of: #""order": ["env-a", "env-b"]"#, with: #""order": ["env-b", "env-a"]"#) + "\n")
        #expect(throws: ImportError.self) { try RunImporter.run(files: [swapped], options: ImportOptions(suite: "e", method: "m"), store: store) }
    }
}
