import Analysis
import Foundation
import ResultStore

/// Turns a cell's outcome into the store's record.
enum RunRecordBuilder {
    static func record(suite: Suite, cell: PlannedCell, result: CellResult?, status: RunRecord.Status, message: String?,
                       seconds: Double, provenance: RunRecord.Provenance) -> RunRecord {
        let method = suite.methods[cell.methodIndex]
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let params: String
        if let e = method.external {
            params = String(decoding: try! enc.encode(e.parameters), as: UTF8.self)
        } else {
            params = String(decoding: try! enc.encode(method.parameters), as: UTF8.self)
        }
        let iso = ISO8601DateFormatter()
        var r = RunRecord(
            cellHash: cell.hash, suiteName: suite.name, suiteHash: suite.hash, suiteText: suite.text,
            methodLabel: method.label, methodName: method.name, methodParameters: params,
            external: method.external != nil, externalCommand: method.external?.command.joined(separator: " "),
            sv: cell.similarity.sv, sl: cell.similarity.sl, seed: cell.seed, order: cell.order, status: status,
            message: message, measuredSV: result?.measuredSV, measuredSL: result?.measuredSL,
            wallSeconds: seconds, finishedAt: iso.string(from: Date()), provenance: provenance)
        r.model = suite.models[cell.modelIndex].name
        r.trainingProtocol = cell.trainingProtocol.rawValue
        guard let result else { return r }
        // NaN (fewer than two trained environments) is stored as unknown.
        r.similarityImages = result.distributionSimilarity.images.isFinite ? result.distributionSimilarity.images : nil
        r.similarityCaptions = result.distributionSimilarity.captions.isFinite ? result.distributionSimilarity.captions : nil
        for (t, row) in result.accuracy.enumerated() {
            for (j, a) in row.enumerated() {
                r.accuracy.append(.init(stage: t, column: j, environment: result.columns[j], heldOut: j >= result.trainedCount,
                                        accuracy: a, loss: result.loss[t][j]))
            }
        }
        for m in ContinualMetric.allCases { r.metrics[m.rawValue] = result.metrics[m]?.number }
        r.contributions = result.contributions
        r.attributions = result.attributions
        r.embeddings = result.embeddingStats
        r.oodPairs = result.oodPairs
        r.oodCumulative = result.oodCumulative
        r.conPairs = result.conPairs
        r.gradientAlignment = result.gradientAlignment
        return r
    }
}
