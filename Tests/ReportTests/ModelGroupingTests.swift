import Foundation
import ResultStore
import Testing
@testable import Report

/// A suite of several models shows (model, method) rows; a suite of one model keeps its labels.
struct ModelGroupingTests {
    static func runs(models: [String], suite: String) -> [StoredRun] {
        var out: [StoredRun] = []
        for (mi, model) in models.enumerated() {
            for seed in 0..<2 {
                var r = SyntheticResults.record(suite: suite, method: "finetune", commit: "c1", seed: seed, order: ["e1", "e2"],
                                                sv: 0.5, shift: 0.1 * Double(mi), finishedAt: "2026-12-02T00:00:0\(seed)Z")
                r.model = model
                r.cellHash += model
                out.append(StoredRun(id: Int64(out.count + 1), record: r))
            }
        }
        return out
    }

    @Test func rowsAreModelAndMethodWhenASuiteHasSeveralModels() {
        let data = ReportData(Self.runs(models: ["mlp-bag", "vit-bag"], suite: "arch") + Self.runs(models: ["mlp-bag"], suite: "plain"))
        let arch = data.current(suite: "arch")
        #expect(data.methods(arch) == ["mlp-bag / finetune", "vit-bag / finetune"])
        // Each row holds exactly its model's runs: the ViT rows are the shifted ones.
        for run in arch { #expect(run.record.methodLabel == "\(run.record.model) / finetune") }
        let vitLast = arch.filter { $0.record.model == "vit-bag" }.map { $0.metric[.forgetting]! }
        #expect(vitLast.allSatisfy { abs($0 - 0.1) < 1e-12 })
        #expect(data.methods(data.current(suite: "plain")) == ["finetune"])
    }
}
