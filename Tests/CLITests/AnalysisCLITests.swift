import Analysis
import Foundation
import Linalg
import Testing

@Suite(.serialized)
struct MetricsCLITests {
    func json(_ s: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(s.utf8)) as! [String: Any]
    }

    @Test func scoresTheCommittedOracle() throws {
        let r = try CLI.run(["metrics", "examples/accuracy/three-stages.csv", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try json(r.stdout)
        #expect(obj["scale"] as? String == "fraction")
        let m = obj["metrics"] as! [String: [String: Any]]
        #expect(abs((m["last"]!["value"] as! Double) - 2.0 / 3) < 1e-9)
        #expect(abs((m["fwt"]!["value"] as! Double) - 0.15) < 1e-9)
        #expect(m["forgetting"]!["direction"] as? String == "lower")
        #expect(m["generalization"]!["value"] is NSNull)
    }

    @Test func percentagesWithHeldOut() throws {
        let r = try CLI.run(["metrics", "examples/accuracy/percent-held-out.csv", "--held-out", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try json(r.stdout)
        #expect(obj["scale"] as? String == "percent")
        let m = obj["metrics"] as! [String: [String: Any]]
        // Held-out column: 28.0 at the end, 33.0 pretrained.
        #expect(abs((m["generalization"]!["value"] as! Double) - 0.28) < 1e-9)
        #expect(abs((m["generalizationChange"]!["value"] as! Double) - -0.05) < 1e-9)
        // Last = mean(66.0, 79.5, 88.0, 96.0) / 100.
        #expect(abs((m["last"]!["value"] as! Double) - 0.823_75) < 1e-9)
    }

    @Test func badFilesNameTheLineAndExitNonZero() throws {
        let dir = try CLI.temporaryDirectory()
        let bad = dir.appendingPathComponent("bad.csv")
        try "a,b\n0.1,0.2\n0.5,x\n0.3,0.4\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["metrics", bad.path])
        #expect(r.status == 2)  // an input error
        #expect(r.stderr.contains("bad.csv: line 3: column 2: 'x' is not a number"), "\(r.stderr)")
        let missing = try CLI.run(["metrics", dir.appendingPathComponent("nope.csv").path])
        #expect(missing.status == 2 && missing.stderr.contains("nope.csv"))
        let usage = try CLI.run(["metrics"])
        #expect(usage.status == 2)
    }
}

@Suite(.serialized)
struct ContributionsCLITests {
    @Test func scoresTheExampleDirectoryLikeBruteForce() throws {
        let r = try CLI.run(["contributions", "--embeddings", "examples/embeddings", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let cps = obj["checkpoints"] as! [[String: Any]]
        #expect(cps.count == 3)
        let pairs = cps[0]["pairs"] as! [[String: Any]]
        let ab = pairs.first { $0["a"] as? String == "env-a" && $0["b"] as? String == "env-b" }!
        let sv = (ab["scores"] as! [String: Double])["vision"]!
        // Independent reference: mean pairwise cosine over all image pairs, from the files.
        let root = CLI.packageRoot.appendingPathComponent("examples/embeddings")
        let a = try NPY.decode(Data(contentsOf: root.appendingPathComponent("stage0/env-a.images.npy"))).matrix()
        let b = try NPY.decode(Data(contentsOf: root.appendingPathComponent("stage0/env-b.images.npy"))).matrix()
        var s = 0.0
        for i in 0..<a.rows { for j in 0..<b.rows {
            var d = 0.0, na = 0.0, nb = 0.0
            for c in 0..<a.cols { d += Double(a[i, c] * b[j, c]); na += Double(a[i, c] * a[i, c]); nb += Double(b[j, c] * b[j, c]) }
            s += d / (na * nb).squareRoot()
        } }
        #expect(abs(sv - s / Double(a.rows * b.rows)) < 1e-5)
        let contributions = obj["stageContributions"] as! [[String: Any]]
        // Stage 2 trains env-b after env-a: one earlier environment.
        #expect(contributions.count == 1 && contributions[0]["earlier"] as? String == "env-a")
    }

    @Test func missingManifestAndBadArrays() throws {
        let dir = try CLI.temporaryDirectory()
        let r = try CLI.run(["contributions", "--embeddings", dir.path])
        #expect(r.status == 2 && r.stderr.contains("manifest.json: not found"))
        let manifest = """
            {"environments": ["x"], "checkpoints": [{"stage": 0, "environments": {"x": {"images": "i.npy", "captions": "c.npy"}}}]}
            """
        try manifest.write(to: dir.appendingPathComponent("manifest.json"), atomically: true, encoding: .utf8)
        try NPY.encode(NPYArray(Matrix(rows: 3, cols: 2, repeating: 1))).write(to: dir.appendingPathComponent("i.npy"))
        let r2 = try CLI.run(["contributions", "--embeddings", dir.path])
        #expect(r2.status == 2 && r2.stderr.contains("c.npy: file not found"), "\(r2.stderr)")
        try NPY.encode(NPYArray(Matrix(rows: 4, cols: 2, repeating: 1))).write(to: dir.appendingPathComponent("c.npy"))
        let r3 = try CLI.run(["contributions", "--embeddings", dir.path])
        #expect(r3.status == 2 && r3.stderr.contains("does not match the images' 3x2"), "\(r3.stderr)")
    }
}
