import Foundation

extension Store {
    public enum ExportFormat: String, Sendable, CaseIterable { case csv, jsonl }

    /// One line per run: identity, provenance and every metric (csv), or that plus the accuracy
    /// and loss matrices, contributions, Shapley attributions, embedding statistics and the four
    /// scores of every pair at every checkpoint (jsonl; keys in docs/schema.md).
    public func export(_ format: ExportFormat, suite: String? = nil) throws -> String {
        if let suite { try checkSuiteExists(suite) }
        let runs = try loadRuns(suite: suite)
        let metricNames = Array(Set(runs.flatMap { $0.record.metrics.keys })).sorted()
        switch format {
        case .csv:
            var lines = [(["run_id", "suite", "model", "protocol", "method", "external", "sv", "sl", "seed", "order", "status", "commit", "dirty",
                           "measured_sv", "measured_sl", "similarity_images", "similarity_captions", "wall_seconds"] + metricNames).joined(separator: ",")]
            for run in runs {
                let r = run.record
                func num(_ v: Double?) -> String { v.map { String($0) } ?? "" }
                var fields = [String(run.id), r.suiteName, r.model, r.trainingProtocol, r.methodLabel, r.external ? "1" : "0", String(r.sv), String(r.sl),
                              String(r.seed), r.orderKey, r.status.rawValue, r.provenance.commit, r.provenance.dirty ? "1" : "0",
                              num(r.measuredSV), num(r.measuredSL), num(r.similarityImages), num(r.similarityCaptions), String(r.wallSeconds)]
                fields += metricNames.map { num(r.metrics[$0] ?? nil) }
                lines.append(fields.map(csvField).joined(separator: ","))
            }
            return lines.joined(separator: "\n") + "\n"
        case .jsonl:
            var out = ""
            for run in runs {
                let r = run.record
                var metrics: [String: Any] = [:]
                for (k, v) in r.metrics { metrics[k] = v ?? NSNull() }
                let stages = (r.accuracy.map(\.stage).max() ?? -1) + 1
                let cols = (r.accuracy.map(\.column).max() ?? -1) + 1
                var matrix = [[Double]](repeating: [Double](repeating: .nan, count: cols), count: stages)
                var loss = matrix
                var names = [String](repeating: "", count: cols)
                for a in r.accuracy { matrix[a.stage][a.column] = a.accuracy; loss[a.stage][a.column] = a.loss; names[a.column] = a.environment }
                var obj: [String: Any] = [
                    "run_id": run.id, "suite": r.suiteName, "model": r.model, "protocol": r.trainingProtocol, "method": r.methodLabel, "external": r.external, "sv": r.sv, "sl": r.sl,
                    "seed": r.seed, "order": r.order, "status": r.status.rawValue, "message": r.message ?? NSNull(),
                    "commit": r.provenance.commit, "dirty": r.provenance.dirty, "metrics": metrics, "columns": names,
                    "accuracy": matrix,
                    "contributions": r.contributions.map { ["stage": $0.stage, "trained": $0.trained, "earlier": $0.earlier,
                                                            "sv": $0.sv, "sl": $0.sl, "sx_earlier_trained": $0.sxEarlierTrained,
                                                            "sx_trained_earlier": $0.sxTrainedEarlier, "drift_vision": $0.driftVision,
                                                            "drift_language": $0.driftLanguage, "forgetting": $0.forgetting] },
                    // Keys as the store's columns (docs/schema.md): `attribution` and `embedding_stat`.
                    "attributions": r.attributions.map { ["stage": $0.stage, "environment": $0.environment,
                                                          "vision_accuracy": $0.accuracy.vision, "language_accuracy": $0.accuracy.language,
                                                          "shared_accuracy": $0.accuracy.shared, "vision_loss": $0.loss.vision,
                                                          "language_loss": $0.loss.language, "shared_loss": $0.loss.shared] as [String: Any] },
                    "embeddings": r.embeddings.map { ["stage": $0.stage, "environment": $0.environment, "alignment": $0.alignment,
                                                      "modality_gap": $0.modalityGap, "clip_loss": $0.clipLoss ?? NSNull()] as [String: Any] },
                    "held_out": Set(r.accuracy.filter(\.heldOut).map(\.column)).count,
                ]
                // The loss matrix (as `accuracy`, the same shape), unless the run has none: an
                // import without one (`run.loss_known` 0), whose stored zeros are not losses.
                if r.lossKnown { obj["loss"] = loss }
                // Only where present, so exports of native built-in runs stay as they were.
                if let m = r.methodVersion { obj["method_version"] = m.label }
                if let i = r.importSource { obj["imported_from"] = i.file; obj["imported_sha256"] = i.sha256 }
                if !r.conPairs.isEmpty {
                    obj["con_pairs"] = r.conPairs.map { ["stage": $0.stage, "a": $0.environmentA, "b": $0.environmentB,
                                                         "con_i_t": $0.conImageToText, "con_t_i": $0.conTextToImage,
                                                         "con_i_i": $0.conImageToImage, "con_t_t": $0.conTextToText] }
                }
                if !r.gradientAlignment.isEmpty {
                    // Keys as the gradient_alignment table's columns (docs/schema.md).
                    obj["gradient_alignment"] = r.gradientAlignment.map { row -> [String: Any] in
                        var o: [String: Any] = ["stage": row.stage]
                        for (column, value) in zip(RunRecord.GradientAlignmentRow.columns, row.values) { o[column] = value }
                        return o
                    }
                }
                let data = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
                out += String(decoding: data, as: UTF8.self) + "\n"
            }
            return out
        }
    }
}

extension Store {
    /// The names of the stored suites, sorted.
    public func suiteNames() throws -> [String] {
        try read { try String.fetchAll($0, sql: "SELECT name FROM suite ORDER BY name") }
    }

    /// Refuses a suite name the database does not hold, listing those it does.
    public func checkSuiteExists(_ suite: String) throws {
        let names = try suiteNames()
        guard names.contains(suite) else {
            throw UnknownNameError("\(path) holds no suite '\(DisplayText.neutralised(suite, singleLine: true))'; suites: "
                + (names.isEmpty ? "none (run one first)" : names.map { DisplayText.neutralised($0, singleLine: true) }.joined(separator: ", ")))
        }
    }
}

/// RFC 4180 quoting when a field holds a comma, quote or newline.
func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
