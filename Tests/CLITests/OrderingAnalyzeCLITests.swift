import Foundation
import Testing

/// `clvbench analyze` on a suite that ran every order: the ordering validation's guided-order
/// figures against the runs as `clvbench export` reads them and the order `clvbench orders` recommends.
struct OrderingAnalyzeCLITests {
    @Test func guidedFiguresEqualThoseReadFromTheRuns() throws {
        let dir = try CLI.temporaryDirectory()
        let smoke = try String(contentsOf: CLI.packageRoot.appendingPathComponent("benchmarks/smoke.yaml"), encoding: .utf8)
        let text = smoke.replacingOccurrences(of: "orders: latin", with: "orders: all")
            .replacingOccurrences(of: "seeds: [0]", with: "seeds: [0, 1]")
            .replacingOccurrences(of: "name: smoke", with: "name: ordering-test")
            .replacingOccurrences(of: "  - name: replay\n    buffer: 32\n", with: "") + "\nprotocols: [adaptive, frozen]\n"
        let suite = dir.appendingPathComponent("suite.yaml")
        try text.write(to: suite, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("o.sqlite").path
        let run = try CLI.run(["run", suite.path, "--db", db, "--quiet", "--no-report"], cwd: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let a = try CLI.run(["analyze", "--db", db, "--json", "--resamples", "200"], cwd: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let all = try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as! [[String: Any]]
        let groups = all[0]["ordering"] as! [[String: Any]]
        // The protocols never pool: one group each, adaptive first.
        #expect(groups.map { $0["protocol"] as? String } == ["adaptive", "frozen"])
        let g = groups[0]
        #expect(g["orders"] as? Int == 6 && g["complete"] as? Bool == true && g["seeds"] as? [Int] == [0, 1] && g["cost"] as? String == "i2t")
        let outcomes = g["outcomes"] as! [[String: Any]]
        let f = outcomes.first { $0["outcome"] as? String == "forgetting" }!

        // The runs as export reads them: forgetting per (order, seed).
        let e = try CLI.run(["export", "--db", db, "--format", "jsonl"], cwd: dir)
        var forgetting: [[String]: [Double]] = [:]
        for line in e.stdout.split(separator: "\n") {
            let r = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard r["protocol"] as? String == "adaptive" else { continue }
            forgetting[r["order"] as! [String], default: []].append((r["metrics"] as! [String: Any])["forgetting"] as! Double)
        }
        #expect(forgetting.count == 6 && forgetting.values.allSatisfy { $0.count == 2 })
        let mean = forgetting.mapValues { $0.reduce(0, +) / 2 }

        // The guided order is the one `orders` recommends (all orders ran).
        let o = try CLI.run(["orders", suite.path, "--json", "--top", "1"], cwd: dir)
        let recommended = ((try JSONSerialization.jsonObject(with: Data(o.stdout.utf8)) as! [String: Any])["recommended"] as! [String: Any])["order"] as! [String]
        let guided = f["guided"] as! [String: Any]
        #expect(guided["order"] as? [String] == recommended)
        let gm = (guided["mean"] as! [String: Any])["estimate"] as! Double
        #expect(abs(gm - mean[recommended]!) < 1e-12)
        let best = mean.values.min()!, avg = mean.values.reduce(0, +) / 6
        #expect(abs(((f["regret_vs_best"] as! [String: Any])["estimate"] as! Double) - (mean[recommended]! - best)) < 1e-12)
        #expect(abs(((f["regret_vs_mean"] as! [String: Any])["estimate"] as! Double) - (mean[recommended]! - avg)) < 1e-12)
        #expect(f["guided_rank"] as? Int == 1 + mean.values.filter { $0 < mean[recommended]! }.count)
        // Export prints doubles through JSON text, which may round the last bit.
        #expect(abs((((f["best"] as! [String: Any])["mean"] as! [String: Any])["estimate"] as! Double) - best) < 1e-12)
        #expect((g["verdict"] as! String).hasPrefix("guided order ranks "))
        #expect((g["variant_spearman_forgetting"] as! [Any]).count == 8)

        // The task-order page shows the same intervals as analyze at its default resamples.
        let d = try CLI.run(["analyze", "--db", db, "--json"], cwd: dir)
        let dgs = (try JSONSerialization.jsonObject(with: Data(d.stdout.utf8)) as! [[String: Any]])[0]["ordering"] as! [[String: Any]]
        let shownOf = dgs.map { dg -> [String] in
            let df = (dg["outcomes"] as! [[String: Any]]).first { $0["outcome"] as? String == "forgetting" }!
            let rho = df["spearman"] as! [String: Any]
            return [rho["estimate"], rho["low"], rho["high"]].map { ($0 as? Double).map { String(format: "%.3f", $0) } ?? "undefined" }
        }
        let site = dir.appendingPathComponent("site")
        let rep = try CLI.run(["report", "--db", db, "--out", site.path,
                               "--templates", CLI.packageRoot.appendingPathComponent("site-template").path], cwd: dir)
        #expect(rep.status == 0, "\(rep.stderr)")
        let page = try String(contentsOf: site.appendingPathComponent("orders-ordering-test.html"), encoding: .utf8)
        for (shown, heading) in zip(shownOf, ["finetune, mlp-bag, adaptive", "finetune, mlp-bag, frozen"]) {
            #expect(page.contains("T3): " + heading))
            // Each protocol's section shows its own interval (the section runs from its heading to the next).
            let section = page.components(separatedBy: "T3): " + heading).last!.components(separatedBy: "T3): ").first!
            #expect(shown[0] == "undefined" || section.contains("\(shown[0]) [\(shown[1]), \(shown[2])]"), "\(heading): page lacks analyze's Spearman \(shown)")
            // The table has the cumulative OOD AUROC row and the verdict its clause, as analyze's.
            #expect(section.contains("<td>cumulative OOD AUROC</td>") && section.contains("cumulative OOD AUROC after the last stage: "), "\(heading)")
        }
        #expect(shownOf.count == 2 && shownOf[0] != shownOf[1])

        // Forgetting the same for every order (set behind the store's back, 0.1 for every run):
        // both correlations are null in analyze's JSON and n/a in its verdict and on the page.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", db,
                       "UPDATE metric SET value = 0.1 WHERE name = 'forgetting'"]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let c = try CLI.run(["analyze", "--db", db, "--json"], cwd: dir)
        #expect(c.status == 0, "\(c.stderr)")
        let cgs = (try JSONSerialization.jsonObject(with: Data(c.stdout.utf8)) as! [[String: Any]])[0]["ordering"] as! [[String: Any]]
        #expect(cgs.count == 2)
        for cg in cgs {
            let cf = (cg["outcomes"] as! [[String: Any]]).first { $0["outcome"] as? String == "forgetting" }!
            for key in ["pearson", "spearman"] {
                let i = cf[key] as! [String: Any]
                #expect(i["estimate"] is NSNull && i["low"] is NSNull && i["high"] is NSNull, "\(key): \(i)")
            }
            #expect((cg["verdict"] as! String).contains("ρ(cost, forgetting) = n/a (forgetting is the same for every order)"), "\(cg["verdict"]!)")
            #expect(cg["best_variant"] is NSNull)
        }
        let site2 = dir.appendingPathComponent("site2")
        let rep2 = try CLI.run(["report", "--db", db, "--out", site2.path,
                                "--templates", CLI.packageRoot.appendingPathComponent("site-template").path], cwd: dir)
        #expect(rep2.status == 0, "\(rep2.stderr)")
        let page2 = try String(contentsOf: site2.appendingPathComponent("orders-ordering-test.html"), encoding: .utf8)
        let row = page2.components(separatedBy: "<td>Forgetting (lower is better)</td>")
        #expect(row.count == 3, "one Forgetting row per protocol")
        for r in row.dropFirst() {
            let cells = r.components(separatedBy: "</tr>")[0]
            #expect(cells.hasPrefix("<td title=\"undefined: one side is the same for every order\">n/a</td><td title=\"undefined: one side is the same for every order\">n/a</td>"), "\(cells.prefix(300))")
        }
        #expect(page2.contains("ρ(cost, forgetting) = n/a (forgetting is the same for every order)"))
    }
}
