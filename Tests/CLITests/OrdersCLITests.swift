import Foundation
import Testing

/// `clvbench orders`: the ranking of a suite's orders from the pretrained model, against the
/// score matrix it prints, and its bad input.
struct OrdersCLITests {
    static let smoke = CLI.packageRoot.appendingPathComponent("benchmarks/smoke.yaml").path

    func json(_ args: [String]) throws -> [String: Any] {
        let r = try CLI.run(["orders", Self.smoke, "--json"] + args, cwd: try CLI.temporaryDirectory())
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
    }

    func orders(_ o: Any?) -> [(order: [String], cost: Double, position: Int)] {
        (o as! [[String: Any]]).map { ($0["order"] as! [String], $0["cost"] as! Double, $0["position"] as! Int) }
    }

    func matrix(_ o: Any?) -> [[Double]] { (o as! [[Any]]).map { $0.map { ($0 as? Double) ?? 0 } } }

    @Test func everyOrderRankedByTheCostOfItsScoreMatrix() throws {
        let j = try json(["--top", "6", "--order", "env3,env1,env2"])
        let env = j["environments"] as! [String]
        #expect(env == ["env1", "env2", "env3"])
        #expect(j["order_count"] as? Double == 6 && j["method"] as? String == "enumeration" && j["cost"] as? String == "i2t")
        let i2t = matrix((j["scores"] as! [String: Any])["con_i_t"])
        #expect(matrix(j["weights"]) == i2t)
        let ranked = orders(j["cheapest"])
        #expect(ranked.count == 6 && Set(ranked.map(\.order)).count == 6)
        for (k, r) in ranked.enumerated() {
            let idx = r.order.map { env.firstIndex(of: $0)! }
            #expect(abs(r.cost - (i2t[idx[0]][idx[1]] + i2t[idx[1]][idx[2]])) < 1e-12)
            #expect(r.position == k + 1)
            if k > 0 { #expect(ranked[k - 1].cost <= r.cost) }
        }
        let rec = j["recommended"] as! [String: Any]
        #expect(rec["order"] as? [String] == ranked[0].order)
        let given = (j["given"] as! [[String: Any]])[0]
        let pos = ranked.firstIndex { $0.order == ["env3", "env1", "env2"] }! + 1
        #expect(given["position"] as? Int == pos)
        #expect(orders(j["dearest"])[0].order == ranked[5].order)
    }

    @Test func variantsChangeThePairWeight() throws {
        let j = try json(["--cost", "all-symmetric", "--top", "6"])
        let s = j["scores"] as! [String: Any]
        let i2t = matrix(s["con_i_t"]), t2i = matrix(s["con_t_i"])
        let w = matrix(j["weights"])
        for a in 0..<3 { for b in 0..<3 where a != b { #expect(abs(w[a][b] - (i2t[a][b] + t2i[a][b])) < 1e-12) } }
        let env = j["environments"] as! [String]
        for r in orders(j["cheapest"]) {
            let i = r.order.map { env.firstIndex(of: $0)! }
            #expect(abs(r.cost - (w[i[0]][i[1]] + (w[i[0]][i[2]] + w[i[1]][i[2]]))) < 1e-12)
        }
    }

    @Test func textShowsTheRecommendedOrderFirstAndTheMatrix() throws {
        let r = try CLI.run(["orders", Self.smoke, "--top", "2"], cwd: try CLI.temporaryDirectory())
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines[1] == "6 orders of 3 environments, ranked by enumeration")
        #expect(lines[2].hasPrefix("recommended: "))
        #expect(lines.contains { $0.hasPrefix("pair weight w(a, b) = Con_I→T(a,b)") })
        #expect(lines.last!.hasPrefix("     env3 "))
    }

    @Test func badInputExitsTwoWithAMessage() throws {
        let dir = try CLI.temporaryDirectory()
        let bad = try CLI.run(["orders", Self.smoke, "--cost", "i2"], cwd: dir)
        #expect(bad.status == 2 && bad.stderr.contains("'i2' is invalid for '--cost <cost>'") && bad.stderr.contains("all-intra"))
        let unknown = try CLI.run(["orders", Self.smoke, "--order", "env1,env9,env2"], cwd: dir)
        #expect(unknown.status == 2 && unknown.stderr.contains("names 'env9', which is not a trained environment; trained: env1, env2, env3"))
        let short = try CLI.run(["orders", Self.smoke, "--order", "env1,env2"], cwd: dir)
        #expect(short.status == 2 && short.stderr.contains("must name each of the 3 trained environments once"))
        let smoke = try String(contentsOfFile: Self.smoke, encoding: .utf8)
        let one = dir.appendingPathComponent("one.yaml")
        try smoke.replacingOccurrences(of: "trained: 3", with: "trained: 1").write(to: one, atomically: true, encoding: .utf8)
        let single = try CLI.run(["orders", one.path], cwd: dir)
        #expect(single.status == 2 && single.stderr.contains("orders need at least 2 trained environments, the suite has 1"), "\(single.stderr)")
        #expect(single.stdout.isEmpty)
    }
}
