import Analysis
import Foundation
import Testing
@testable import ResultStore

/// `export --format jsonl` carries each run's loss matrix, Shapley attributions and embedding
/// statistics (issue 19 item 5) under the store's column names: read back, every key and value
/// equals the stored record's rows.
struct ExportJSONLTests {
    @Test func lossAttributionsAndEmbeddingsRoundTrip() throws {
        let store = try Store(path: StoreTests.temporaryPath())
        var full = StoreTests.record(order: ["a", "b"])
        full.accuracy += [.init(stage: 0, column: 1, environment: "b", heldOut: false, accuracy: 0.25, loss: 1.5),
                          .init(stage: 1, column: 1, environment: "b", heldOut: false, accuracy: 0.5, loss: 0.75),
                          .init(stage: 0, column: 2, environment: "h", heldOut: true, accuracy: 0.125, loss: 2.0625),
                          .init(stage: 1, column: 2, environment: "h", heldOut: true, accuracy: 0.375, loss: 1.875)]
        full.attributions.append(.init(stage: 1, environment: "b", accuracy: GroupValues(vision: 0.125, language: -0.0625, shared: 0.03125),
                                       loss: GroupValues(vision: -0.5, language: 0.25, shared: -0.015625)))
        var noLoss = StoreTests.record(order: ["b", "a"])
        noLoss.lossKnown = false
        noLoss.attributions = []
        noLoss.embeddings = []
        for r in [full, noLoss] { try store.insert(r) }
        let stored = try store.loadRuns()
        let lines = try store.export(.jsonl).split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(lines.count == 2)
        for (obj, run) in zip(lines, stored) {
            let r = run.record
            #expect(obj["run_id"] as? Int64 == run.id || (obj["run_id"] as? Int).map(Int64.init) == run.id)
            let columns = obj["columns"] as! [String]
            // The loss matrix, cell by cell against the accuracy rows; absent when the run has none.
            if r.lossKnown {
                let loss = obj["loss"] as! [[Double]]
                #expect(loss.count == Set(r.accuracy.map(\.stage)).count && loss.allSatisfy { $0.count == columns.count })
                for a in r.accuracy { #expect(loss[a.stage][a.column] == a.loss && columns[a.column] == a.environment) }
            } else {
                #expect(obj["loss"] == nil)
            }
            #expect(obj["held_out"] as? Int == Set(r.accuracy.filter(\.heldOut).map(\.column)).count)
            let attributions = obj["attributions"] as! [[String: Any]]
            #expect(attributions.count == r.attributions.count)
            for (a, row) in zip(attributions, r.attributions) {
                #expect(Set(a.keys) == ["stage", "environment", "vision_accuracy", "language_accuracy", "shared_accuracy",
                                        "vision_loss", "language_loss", "shared_loss"])
                #expect(a["stage"] as? Int == row.stage && a["environment"] as? String == row.environment)
                for (key, value) in [("vision_accuracy", row.accuracy.vision), ("language_accuracy", row.accuracy.language),
                                     ("shared_accuracy", row.accuracy.shared), ("vision_loss", row.loss.vision),
                                     ("language_loss", row.loss.language), ("shared_loss", row.loss.shared)] {
                    #expect(a[key] as? Double == value, "\(key)")
                }
            }
            let embeddings = obj["embeddings"] as! [[String: Any]]
            #expect(embeddings.count == r.embeddings.count)
            for (e, row) in zip(embeddings, r.embeddings) {
                #expect(Set(e.keys) == ["stage", "environment", "alignment", "modality_gap", "clip_loss"])
                #expect(e["stage"] as? Int == row.stage && e["environment"] as? String == row.environment)
                #expect(e["alignment"] as? Double == row.alignment && e["modality_gap"] as? Double == row.modalityGap)
                if let clip = row.clipLoss { #expect(e["clip_loss"] as? Double == clip) } else { #expect(e["clip_loss"] is NSNull) }
            }
        }
        // The first run has all three kinds, with a held-out column and a missing CLIP loss.
        #expect(stored[0].record.attributions.count == 2 && stored[0].record.embeddings.map(\.clipLoss) == [1.25, nil])
        #expect(lines[0]["held_out"] as? Int == 1 && lines[1]["loss"] == nil)
    }
}
