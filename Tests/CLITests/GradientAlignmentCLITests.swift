import Foundation
import Testing

/// The stored gradient alignment end to end: a smoke-size suite with finetune and both cbf
/// variants, run, then `clvbench analyze` (JSON and text) against the
/// stored table read with sqlite3 directly.
struct GradientAlignmentCLITests {
    /// Rows of `sql` on `db` through the sqlite3 shell, tab-separated.
    static func query(_ db: String, _ sql: String) throws -> [[String]] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        p.arguments = ["-readonly", "-separator", "\t", db, sql]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func analyzeShowsTheStoredAlignmentPerGroupAndTheBalanceFactorCheck() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") else { return }
        let dir = try CLI.temporaryDirectory()
        let smoke = try String(contentsOf: CLI.packageRoot.appendingPathComponent("benchmarks/smoke.yaml"), encoding: .utf8)
        let text = smoke.replacingOccurrences(of: "name: smoke", with: "name: alignment-test")
            .replacingOccurrences(of: "  - name: replay\n    buffer: 32\n", with: "  - cbf\n  - name: cbf\n    binary: 1\n")
            .replacingOccurrences(of: "seeds: [0]", with: "seeds: [0, 1]")
        let suite = dir.appendingPathComponent("suite.yaml")
        try text.write(to: suite, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("a.sqlite").path
        let run = try CLI.run(["run", suite.path, "--db", db, "--quiet", "--site", dir.appendingPathComponent("site").path], cwd: dir)
        #expect(run.status == 0, "\(run.stderr)")
        // Stages 2 and 3 of every adaptive run (3 methods x 3 orders x 2 seeds), none for frozen ones.
        let stored = try Self.query(db, "SELECT r.method, r.protocol, g.stage, g.cosine, g.unscaled_cosine FROM gradient_alignment g JOIN run r ON r.id = g.run_id ORDER BY r.method, g.stage")
        #expect(stored.count == 3 * 6 * 2 && stored.allSatisfy { $0[1] == "adaptive" }, "\(stored.count)")
        let a = try CLI.run(["analyze", "--db", db, "--json", "--resamples", "200"], cwd: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let all = try JSONSerialization.jsonObject(with: Data(a.stdout.utf8)) as! [[String: Any]]
        let groups = all[0]["gradient_alignment"] as! [[String: Any]]
        #expect(groups.map { $0["method"] as! String } == ["cbf", "cbf(binary=1)", "finetune"])
        for g in groups {
            #expect(g["protocol"] as? String == "adaptive" && g["runs"] as? Int == 6)
            let stages = g["stages"] as! [[String: Any]]
            #expect(stages.map { $0["stage"] as! Int } == [2, 3])
            for s in stages {
                let mine = stored.filter { $0[0] == g["method"] as! String && $0[2] == "\(s["stage"] as! Int)" }
                #expect(mine.count == 6)
                let c = s["cosine"] as! [String: Any]
                let mean = mine.map { Double($0[3])! }.reduce(0, +) / 6
                #expect(abs((c["estimate"] as! Double) - mean) < 1e-12 && c["n"] as? Int == 6, "\(c) vs \(mean)")
                #expect((c["low"] as! Double) <= mean && mean <= (c["high"] as! Double))
                let unscaled = mine.map { Double($0[4])! }.reduce(0, +) / 6
                #expect(abs((s["unscaled_cosine"] as! Double) - unscaled) < 1e-12)
            }
        }
        // Finetune's step is unscaled; cbf binary's masks a tower, so its step differs from the unscaled one.
        #expect(stored.filter { $0[0] == "finetune" }.allSatisfy { $0[3] == $0[4] })
        #expect(stored.filter { $0[0] == "cbf(binary=1)" }.allSatisfy { $0[3] != $0[4] })
        let checks = all[0]["balance_factor"] as! [[String: Any]]
        #expect(checks.map { $0["method"] as! String } == ["cbf", "cbf(binary=1)"])
        for b in checks {
            let v = b["versus_finetune"] as! [String: Any]
            #expect(v["n"] as? Int == 6 && (b["matched_finetune_run_keys"] as! [String]).count == 6)
            #expect(b["stages"] as? Int == 12 && (0...12).contains(b["reached_best_mask"] as! Int))
            // Only the binary variant masks a tower: every one of its stages, none of the continuous one's.
            let masked = b["masked_stages"] as! Int, picked = b["picked_better_tower"] as! Int
            #expect(masked == (b["method"] as! String == "cbf" ? 0 : 12) && (0...masked).contains(picked))
            if masked > 0 {
                // Brute force from the stored columns: the kept tower's alignment against the other tower's.
                let rows = try Self.query(db, "SELECT g.cosine, g.cosine_vision, g.cosine_language, g.cosine_shared, g.new_norm_vision, g.new_norm_language, g.new_norm_shared, g.old_norm_vision, g.old_norm_language, g.old_norm_shared, g.scale_vision, g.scale_language FROM gradient_alignment g JOIN run r ON r.id = g.run_id WHERE r.method = 'cbf(binary=1)'")
                let better = rows.filter { row in
                    let v = row.map { Double($0)! }
                    func cos(_ m: [Double]) -> Double {
                        var d = 0.0, n = 0.0, o = 0.0
                        for g in 0..<3 { d += m[g] * v[1 + g] * v[4 + g] * v[7 + g]; n += m[g] * m[g] * v[4 + g] * v[4 + g]; o += v[7 + g] * v[7 + g] }
                        return d / (n * o).squareRoot()
                    }
                    let kept = cos([v[10], v[11], 1]), other = cos([1 - v[10], 1 - v[11], 1])
                    #expect(abs(kept - v[0]) < 1e-9 && (v[10] == 0) != (v[11] == 0))
                    return kept >= other - 1e-12
                }
                #expect(better.count == picked, "\(better.count) vs \(picked)")
            }
            // The matched difference is the mean over cells of the cells' mean cosines, cbf minus finetune.
            let keyed = try Self.query(db, "SELECT r.method, r.seed, r.order_key, avg(g.cosine) FROM gradient_alignment g JOIN run r ON r.id = g.run_id GROUP BY r.id")
            let ft = Dictionary(uniqueKeysWithValues: keyed.filter { $0[0] == "finetune" }.map { ("\($0[1]) \($0[2])", Double($0[3])!) })
            let diffs = keyed.filter { $0[0] == b["method"] as! String }.map { Double($0[3])! - ft["\($0[1]) \($0[2])"]! }
            #expect(abs((v["estimate"] as! Double) - diffs.reduce(0, +) / 6) < 1e-9)
        }
        let t = try CLI.run(["analyze", "--db", db, "--resamples", "200"], cwd: dir)
        #expect(t.stdout.contains("  gradient alignment adaptive · mlp-bag · finetune (6 runs): cos(g_new, g_old) per stage 2: "), "\(t.stdout)")
        #expect(t.stdout.contains("  T2 balance factor adaptive · mlp-bag · cbf(binary=1) (6 runs): against finetune at 6 matched cells Δ "))
        // The page shows the same per-stage means.
        let page = try String(contentsOf: dir.appendingPathComponent("site/paper-checks-alignment-test.html"), encoding: .utf8)
        #expect(page.contains("Gradient alignment per stage") && page.contains("Does the balance factor raise the alignment? (T2)"))
    }
}
