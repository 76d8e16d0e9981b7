import Foundation
import Testing

/// `clvbench analyze` on a tiny suite trained at three CLIP weights, and the objective's bad input.
struct AnalyzeCLITests {
    static func suite(methods: String) throws -> String {
        let smoke = try String(contentsOf: CLI.packageRoot.appendingPathComponent("benchmarks/smoke.yaml"), encoding: .utf8)
        var lines: [String] = []
        var skipping = false
        for line in smoke.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("methods:") { lines.append("methods:"); lines.append(methods); skipping = true; continue }
            if skipping && (line.hasPrefix(" ") || line.hasPrefix("-")) { continue }
            skipping = false
            lines.append(line.hasPrefix("name:") ? "name: analyze-test" : String(line))
        }
        let path = try CLI.temporaryDirectory().appendingPathComponent("suite.yaml")
        try lines.joined(separator: "\n").write(to: path, atomically: true, encoding: .utf8)
        return path.path
    }

    @Test func analyzeReportsT1T2AndThePretrainedChecks() throws {
        // Both protocols x three CLIP weights (issue 16's done-when grid, at smoke size).
        let file = try Self.suite(methods: "  - finetune\nclip_weights: [0, 1, 5]\nprotocols: [adaptive, frozen]")
        let db = try CLI.temporaryDirectory().appendingPathComponent("a.sqlite").path
        let run = try CLI.run(["run", file, "--db", db, "--quiet", "--no-report"])
        #expect(run.status == 0, "\(run.stderr)")
        let r = try CLI.run(["analyze", "--db", db, "--json", "--resamples", "200"])
        #expect(r.status == 0, "\(r.stderr)")
        let all = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [[String: Any]]
        #expect(all.count == 1 && all[0]["suite"] as? String == "analyze-test")
        let p = (all[0]["pretrained"] as! [[String: Any]])[0]
        #expect(p["environments"] as? [String] == ["env1", "env2", "env3"])
        let sigma = p["sigma"] as! [String: Any]
        #expect(Set(sigma.keys) == ["con_i_t", "con_t_i", "con_i_i", "con_t_t"])
        let auroc = p["pairwise_auroc"] as! [[Any]]
        #expect(auroc.count == 3 && auroc[0][0] is NSNull && (auroc[0][1] as! Double) >= 0 && (auroc[0][1] as! Double) <= 1)
        let t1 = all[0]["t1"] as! [[String: Any]]
        #expect(t1.count == 6 && t1.allSatisfy { $0["transitions"] as? Int == 6 && $0["runs"] as? Int == 3 })  // 3 latin orders x 2 transitions
        #expect(t1.map { $0["protocol"] as! String } == ["adaptive", "adaptive", "adaptive", "frozen", "frozen", "frozen"])
        #expect(t1.allSatisfy { $0["clip_loss_known"] as? Bool == true && ($0["fits"] as! [String: Any]).count == 3 })
        func fit(_ e: [String: Any], _ c: String) -> [String: Any] { (e["fits"] as! [String: Any])[c] as! [String: Any] }
        // Frozen: ΔCLIP exactly 0 everywhere (constant), and λ changes nothing, so ΔCE fits agree bit for bit.
        let frozen = t1.filter { $0["protocol"] as? String == "frozen" }, adaptive = t1.filter { $0["protocol"] as? String == "adaptive" }
        #expect(frozen.allSatisfy { fit($0, "delta_clip")["constant"] as? Bool == true })
        let r2 = { (e: [String: Any]) in (fit(e, "delta_ce")["r_squared"] as! [String: Any])["estimate"] as? Double }
        #expect(Set(frozen.map(r2)).count == 1)
        #expect(adaptive.allSatisfy { fit($0, "delta_clip")["constant"] as? Bool == false })
        let t2 = all[0]["t2"] as! [[String: Any]]
        #expect(t2.map { $0["protocol"] as! String } == ["adaptive", "frozen"] && t2.allSatisfy { $0["family"] as? String == "finetune" })
        for e in t2 {
            let levels = e["levels"] as! [[String: Any]]
            #expect(levels.map { $0["clip_weight"] as! Double } == [0, 1, 5] && levels.allSatisfy { $0["n"] as? Int == 9 })
            // CLV under frozen is the pretrained alignment whatever λ; under adaptive λ moves it.
            let clv = Set(levels.map { $0["clv"] as! Double })
            #expect(e["protocol"] as? String == "frozen" ? clv.count == 1 : clv.count == 3)
        }
        // The text form says the same.
        let text = try CLI.run(["analyze", "--db", db, "--resamples", "200"])
        #expect(text.status == 0 && text.stdout.contains("Spearman(λ, CLV)") && text.stdout.contains("σ Con_I→T"))
        #expect(text.stdout.contains("T1 frozen · mlp-bag · finetune(clip_weight=5)") && text.stdout.contains("ΔCLIP: the same value in every transition"))
        // The Paper checks page groups the same way, by the stored labels (not the pages' "frozen / finetune").
        let site = try CLI.temporaryDirectory().appendingPathComponent("site")
        let rep = try CLI.run(["report", "--db", db, "--out", site.path, "--templates", CLI.packageRoot.appendingPathComponent("site-template").path])
        #expect(rep.status == 0, "\(rep.stderr)")
        let page = try String(contentsOf: site.appendingPathComponent("paper-checks-analyze-test.html"), encoding: .utf8)
        for g in ["adaptive · mlp-bag · finetune", "adaptive · mlp-bag · finetune(clip_weight=5)", "frozen · mlp-bag · finetune(clip_weight=1)"] {
            #expect(page.contains("<td>\(g)</td>"), "page lacks the T1 group \(g)")
        }
        #expect(page.contains("the same in every transition: nothing to fit"))
        // Each run stores the similarity that follows the dials; it is the pretrained pass's figure
        // analyze computes afresh (an independent route), and the similarity page shows it.
        let similarity = p["distribution_similarity"] as! [String: Double]
        let csv = try CLI.run(["export", "--db", db, "--format", "csv"]).stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let col = { (name: String) in csv[0].firstIndex(of: name)! }
        #expect(csv.count == 19 && csv.dropFirst().allSatisfy { row in
            abs(Double(row[col("similarity_images")])! - similarity["images"]!) < 1e-12
                && abs(Double(row[col("similarity_captions")])! - similarity["captions"]!) < 1e-12
        })
        let sim = try String(contentsOf: site.appendingPathComponent("similarity-analyze-test.html"), encoding: .utf8)
        #expect(sim.contains("<td>\(String(format: "%.3f", similarity["images"]!))</td>"), "similarity page lacks \(similarity)")
    }

    @Test func badInputExitsTwoWithTheLocation() throws {
        let negative = try Self.suite(methods: "  - {name: finetune, clip_weight: -1}")
        let db = try CLI.temporaryDirectory().appendingPathComponent("b.sqlite").path
        let r = try CLI.run(["run", negative, "--db", db, "--quiet", "--no-report"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("suite.yaml:") && r.stderr.contains("clip_weight") && r.stderr.contains("got -1.0"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db))
        let nan = try Self.suite(methods: "  - {name: ewc, clip_weight: .nan}")
        let n = try CLI.run(["run", nan, "--db", db, "--quiet", "--no-report"])
        #expect(n.status == 2 && n.stderr.contains("clip_weight"), "\(n.stderr)")
        let tau = try CLI.run(["analyze", "--db", db, "--temperature", "0"])
        #expect(tau.status == 2 && tau.stderr.contains("--temperature must be positive"))
    }
}
