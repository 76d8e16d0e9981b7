import Analysis
import Foundation
import Linalg
import ResultStore

/// A database of plausible runs, made without training: for report and compare tests.
enum SyntheticResults {
    static let evilMethod = "<script>alert(1)</script> & \"q\""

    static func record(suite: String = "demo", method: String, commit: String, seed: Int, order: [String], sv: Double,
                       shift: Double = 0, finishedAt: String) -> RunRecord {
        var rng = RandomStream(key: RandomKey("synthetic", .string(method), .int(seed), .string(order.joined()), .string(commit)))
        let p = RunRecord.Provenance(commit: commit, dirty: false, cpu: "test cpu", cores: 2, os: "Debian", swift: "6.3+",
                                     openblas: "0.3.21", openblasCore: "Haswell", threads: 1)
        let hash = StableHasher.hex("\(suite) \(method) \(seed) \(order) \(sv)")
        var r = RunRecord(cellHash: hash, suiteName: suite, suiteHash: "h-\(suite)", suiteText: "name: \(suite)\n", methodLabel: method,
                          methodName: method == evilMethod ? "external" : "finetune", methodParameters: "{}",
                          external: method == evilMethod, externalCommand: method == evilMethod ? "python3 evil.py" : nil,
                          sv: sv, sl: 0.5, seed: seed, order: order, status: .done, measuredSV: sv / 2, measuredSL: 0.3,
                          wallSeconds: 1, finishedAt: finishedAt, provenance: p)
        let t = order.count
        var acc: [[Double]] = [[Double]](repeating: [], count: t + 1)
        for s in 0...t {
            for j in 0...t {  // t trained columns, 1 held-out
                let learned = j < t && j < s
                let v = (learned ? 0.9 - 0.1 * Double(s - j - 1) : 0.3) + 0.03 * Double(rng.normal()) + shift
                acc[s].append(min(1, max(0, v)))
            }
        }
        for s in 0...t {
            for j in 0...t {
                r.accuracy.append(.init(stage: s, column: j, environment: j < t ? order[j] : "heldout1", heldOut: j == t,
                                        accuracy: acc[s][j], loss: 1 - acc[s][j]))
            }
        }
        let last = (0..<t).map { acc[t][$0] }.reduce(0, +) / Double(t)
        let stageMeans: [Double] = (1...t).map { s in (0..<s).map { acc[s][$0] }.reduce(0, +) / Double(s) }
        let avg: Double = stageMeans.reduce(0, +) / Double(t)
        let jumps: [Double] = (1..<t).map { acc[$0][$0] - acc[0][$0] }
        let fwt: Double = jumps.reduce(0, +) / Double(t - 1)
        r.metrics = ["last": last, "forgetting": 0.2 - shift, "bwt": -0.2 + shift, "la": 0.9, "transfer": 0.3, "generalization": acc[t][t],
                     "avg": avg, "fwt": fwt, "generalizationChange": acc[t][t] - acc[0][t]]
        for stage in 2...t {
            for s in 1..<stage {
                r.contributions.append(.init(stage: stage, trained: order[stage - 1], earlier: order[s - 1], sv: Double(rng.uniform()),
                                             sl: Double(rng.uniform()), sxEarlierTrained: 0.2, sxTrainedEarlier: 0.1,
                                             driftVision: 0.8 + 0.2 * Double(rng.uniform()), driftLanguage: 0.95,
                                             forgetting: acc[stage - 1][s - 1] - acc[stage][s - 1]))
            }
        }
        for stage in 1...t {
            for (j, e) in order.enumerated() {
                let change = acc[stage][j] - acc[stage - 1][j]
                r.attributions.append(.init(stage: stage, environment: e, accuracy: GroupValues(vision: 0.6 * change, language: 0.3 * change, shared: 0.1 * change), loss: .zero))
            }
        }
        // The per-checkpoint rows of schema v8 and v10 over every ordered pair of environments
        // (world order = sorted names): OOD for built-in runs only, the four scores for both.
        let world = order.sorted()
        for stage in 0...t {
            for a in world {
                for b in world where b != a {
                    let u = (0..<5).map { _ in Double(rng.uniform()) }
                    if !r.external {
                        r.oodPairs.append(.init(stage: stage, inEnvironment: a, outEnvironment: b, auroc: 0.3 + 0.6 * u[0], conImageToText: 0.1 + 0.2 * u[1]))
                    }
                    r.conPairs.append(.init(stage: stage, environmentA: a, environmentB: b, conImageToText: 0.1 + 0.2 * u[1],
                                            conTextToImage: 0.1 + 0.2 * u[2], conImageToImage: 0.2 + 0.5 * u[3], conTextToText: 0.3 + 0.4 * u[4]))
                }
            }
            if stage > 0 && !r.external { r.oodCumulative.append(.init(stage: stage, auroc: 0.5 + 0.3 * Double(rng.uniform()))) }
        }
        return r
    }

    /// Two methods (one with a hostile name), two seeds, three orders, two vision similarities,
    /// by `commits` code versions; `regress` lowers the last version's accuracies.
    static func database(commits: [String] = ["aaaa1111"], regress: Double = 0) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("synthetic-\(UUID().uuidString).sqlite").path
        let store = try Store(path: path)
        let orders = [["e1", "e2", "e3"], ["e2", "e3", "e1"], ["e3", "e1", "e2"]]
        for (k, commit) in commits.enumerated() {
            let shift = k == commits.count - 1 ? -regress : 0
            for method in ["finetune", evilMethod] {
                for seed in 0..<2 {
                    for order in orders {
                        for sv in [0.2, 0.8] {
                            try store.insert(record(method: method, commit: commit, seed: seed, order: order, sv: sv, shift: shift,
                                                    finishedAt: "2026-01-0\(k + 1)T00:00:00Z"))
                        }
                    }
                }
            }
        }
        // Two bench invocations per code version: the speed page follows them.
        for (k, commit) in commits.enumerated() {
            for run in 0..<2 {
                let p = RunRecord.Provenance(commit: commit, dirty: false, cpu: "cpu", cores: 2, os: "os", swift: "6",
                                             openblas: "0.3.21", openblasCore: "Haswell", threads: 1)
                try store.insertBenchmarks([("train step b=128", 300 + Double(10 * k + run), "steps/s", "step <&> \"detail\""),
                                            (evilMethod, 1, "x", "hostile figure name")],
                                           measuredAt: "2026-01-0\(k + 1)T00:0\(run):00Z", provenance: p)
            }
        }
        return path
    }
}
