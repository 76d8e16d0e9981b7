import Foundation
import Testing

/// The stored OOD outcome end to end: a smoke-size suite over every order, both protocols, run
/// and read back by `clvbench analyze` (JSON and text) and the Paper checks page.
struct OODAnalyzeCLITests {
    static func number(_ v: Any?) -> Double? { v as? Double }

    @Test func analyzeShowsTheStoredOODFiguresPerProtocolAndT3ReadsThem() throws {
        let dir = try CLI.temporaryDirectory()
        let smoke = try String(contentsOf: CLI.packageRoot.appendingPathComponent("benchmarks/smoke.yaml"), encoding: .utf8)
        let text = smoke.replacingOccurrences(of: "orders: latin", with: "orders: all")
            .replacingOccurrences(of: "name: smoke", with: "name: ood-test")
            .replacingOccurrences(of: "  - name: replay\n    buffer: 32\n", with: "protocols: [adaptive, frozen]\n")
        let suite = dir.appendingPathComponent("suite.yaml")
        try text.write(to: suite, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("o.sqlite").path
        let run = try CLI.run(["run", suite.path, "--db", db, "--quiet", "--site", dir.appendingPathComponent("site").path], cwd: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let a = try CLI.run(["analyze", "--db", db, "--json", "--resamples", "200"], cwd: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let all = try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as! [[String: Any]]
        let ood = all[0]["ood"] as! [[String: Any]]
        #expect(ood.map { $0["protocol"] as! String } == ["adaptive", "frozen"] && ood.allSatisfy { $0["runs"] as? Int == 6 })
        let pretrained = (all[0]["pretrained"] as! [[String: Any]])[0]
        let matrix = pretrained["pairwise_auroc"] as! [[Any]]
        let offDiagonal = (0..<3).flatMap { i in (0..<3).filter { $0 != i }.map { matrix[i][$0] as! Double } }
        for g in ood {
            let stages = g["stages"] as! [[String: Any]]
            #expect(stages.map { $0["stage"] as! Int } == [0, 1, 2, 3])
            #expect(stages[0]["cumulative_auroc"] is NSNull)
            for s in stages.dropFirst() {
                let c = s["cumulative_auroc"] as! [String: Any]
                let e = c["estimate"] as! Double
                #expect(c["n"] as? Int == 6 && e >= (c["low"] as! Double) && e <= (c["high"] as! Double) && (0...1).contains(e))
            }
            // Stage 0 is the pretrained model of analyze's own pretrained pass: the same pairs,
            // so the same mean and the same Pearson (6 runs repeat the 6 points).
            #expect(g["pretrained_pairs"] as? Int == 36 && stages[0]["pairs"] as? Int == 36)
            let mean0 = stages[0]["pairwise_auroc_mean"] as! Double
            #expect(abs(mean0 - offDiagonal.reduce(0, +) / 6) < 1e-12)
            let pearson = try #require(Self.number(g["pearson_con_i_t_auroc_pretrained"]))
            #expect(abs(pearson - (pretrained["pearson_con_i_t_auroc"] as! Double)) < 1e-9)
            if g["protocol"] as? String == "frozen" {
                #expect(Set(stages.map { $0["pairwise_auroc_mean"] as! Double }).count == 1)
            }
        }
        // T3 per protocol gains the outcome: 6 orders ran, each with its last-stage cumulative AUROC.
        let ordering = all[0]["ordering"] as! [[String: Any]]
        #expect(ordering.count == 2)
        for o in ordering {
            let outcomes = o["outcomes"] as! [[String: Any]]
            let auroc = try #require(outcomes.first { $0["outcome"] as? String == "ood_auroc" })
            #expect((auroc["per_order"] as! [[String: Any]]).count == 6 && auroc["lower_is_better"] as? Bool == false)
        }
        // The four scores at every checkpoint: stage 0 is analyze's pretrained pass (its σ and
        // mean), every stage's mean is that of the stored rows as `export --format jsonl` gives them.
        let con = all[0]["con_checkpoints"] as! [[String: Any]]
        #expect(con.map { $0["protocol"] as! String } == ["adaptive", "frozen"] && con.allSatisfy { $0["runs"] as? Int == 6 })
        let export = try CLI.run(["export", "--db", db, "--format", "jsonl"], cwd: dir)
        let lines = export.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let keys = ["con_i_t", "con_t_i", "con_i_i", "con_t_t"]
        for g in con {
            let stages = g["stages"] as! [[String: Any]]
            #expect(stages.map { $0["stage"] as! Int } == [0, 1, 2, 3] && stages.allSatisfy { $0["pairs"] as? Int == 36 && $0["runs"] as? Int == 6 })
            let rows = lines.filter { $0["protocol"] as? String == g["protocol"] as? String }.flatMap { $0["con_pairs"] as! [[String: Any]] }
            #expect(rows.count == 6 * 4 * 6)
            for key in keys {
                let sigma0 = (stages[0]["sigma"] as! [String: Any])[key] as! Double
                #expect(abs(sigma0 - ((pretrained["sigma"] as! [String: Any])[key] as! Double)) < 1e-12, "\(key)")
                let m = (pretrained["con"] as! [String: Any])[key] as! [[Any]]
                let pre = (0..<3).flatMap { i in (0..<3).filter { $0 != i }.map { m[i][$0] as! Double } }
                #expect(abs(((stages[0]["mean"] as! [String: Any])[key] as! Double) - pre.reduce(0, +) / 6) < 1e-12, "\(key)")
                for s in stages {
                    let x = rows.filter { $0["stage"] as? Int == s["stage"] as? Int }.map { $0[key] as! Double }
                    #expect(x.count == 36 && abs(((s["mean"] as! [String: Any])[key] as! Double) - x.reduce(0, +) / 36) < 1e-12, "\(key)")
                }
                let means = stages.map { ($0["mean"] as! [String: Any])[key] as! Double }
                if g["protocol"] as? String == "frozen" { #expect(Set(means).count == 1, "\(key)") } else { #expect(Set(means).count > 1, "\(key)") }
            }
        }
        let t = try CLI.run(["analyze", "--db", db, "--resamples", "200"], cwd: dir)
        #expect(t.stdout.contains("Con_I→T per checkpoint frozen · mlp-bag · finetune, sv 0.5 sl 0.5 (6 runs)"))
        #expect(t.stdout.contains("OOD frozen · mlp-bag · finetune (6 runs)") && t.stdout.contains("cumulative OOD AUROC after the last stage"))
        let site = dir.appendingPathComponent("site").path
        let file = try #require(FileManager.default.subpaths(atPath: site)?.first { $0.hasSuffix(".html") && $0.contains("paper-checks") })
        let page = try String(contentsOfFile: site + "/" + file, encoding: .utf8)
        #expect(page.contains("OOD: MCM AUROC at every checkpoint") && page.contains("adaptive · mlp-bag · finetune"))
        #expect(page.contains("Contribution scores at every checkpoint") && page.contains("Pairwise MCM AUROC, frozen · mlp-bag · finetune, after stage 3"))
    }
}
