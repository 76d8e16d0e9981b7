import Analysis
import ArgumentParser
import Environments
import Foundation
import Continual
import Harness

/// `clvbench cell`: train one cell and print its accuracy matrix, metrics and contributions.
struct Cell: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one cell (order, similarity, method, seed) of the procedural world and print its results.",
        discussion: """
            Pretrains the dual encoder on the world's broad mixture (cached under \
            results/cache), then fine-tunes it on the environments in --order, evaluating \
            every environment after each stage. Prints the accuracy matrix (row 0 = \
            pretrained), the continual metrics and, per stage, the contribution scores and \
            Shapley attribution. Methods: \(MethodCatalog.names.joined(separator: ", ")).

            Example: clvbench cell --method ewc --param lambda=500 --order env2,env1,env3,env4 --seed 1
            """)

    @Option(help: "Built-in method.") var method = "finetune"
    @Option(name: .customLong("param"), help: "Method hyper-parameter NAME=VALUE (repeatable).") var params: [String] = []
    @Option(help: "Comma-separated trained environments in training order (default: env1,env2,...).") var order: String?
    @Option(help: "Seed of the cell.") var seed = 0
    @Option(help: "Vision similarity in [0, 1].") var sv = 0.5
    @Option(help: "Language similarity in [0, 1].") var sl = 0.5
    @Option(help: "Training epochs per stage.") var epochs: Int?
    @Option(help: "Learning rate of fine-tuning.") var lr: Float?
    @Flag(help: "Skip the Shapley attribution (6 extra evaluations per stage).") var noShapley = false
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (0...1).contains(sv), (0...1).contains(sl) else { throw ValidationError("--sv and --sl must be in [0, 1]") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
    }

    func run() throws {
        var parameters: [String: Double] = [:]
        for p in params {
            let kv = p.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, let v = Double(kv[1]) else {
                throw ValidationError("--param expects NAME=NUMBER, got '\(p)'")
            }
            parameters[String(kv[0])] = v
        }
        var settings = ExperimentSettings()
        if let epochs { settings.budget.epochs = epochs }
        if let lr { settings.budget.optimizer.learningRate = lr }
        settings.shapley = !noShapley
        let prepared = try PreparedWorld(settings: settings, similarity: SimilaritySetting(sv: sv, sl: sl)) { msg in
            FileHandle.standardError.write(Data((msg + "\n").utf8))
        }
        let names = order.map { $0.split(separator: ",").map(String.init) }
            ?? prepared.trainedEnvironments.map { prepared.data.names[$0] }
        let r = try prepared.runCell(settings: settings, order: names, method: method, parameters: parameters, seed: seed)
        if json {
            var metrics: [String: Any] = [:]
            for (k, v) in r.metrics { metrics[k.rawValue] = v.number ?? NSNull() }
            let obj: [String: Any] = [
                "columns": r.columns, "trained": r.trainedCount, "accuracy": r.accuracy, "loss": r.loss,
                "metrics": metrics, "measuredSV": r.measuredSV, "measuredSL": r.measuredSL,
                "distributionSimilarity": ["images": r.distributionSimilarity.images, "captions": r.distributionSimilarity.captions],
                "contributions": r.contributions.map { ["stage": $0.stage, "trained": $0.trained, "earlier": $0.earlier,
                                                        "scores": $0.scores, "forgetting": $0.forgetting] },
                "attributions": r.attributions.map { ["stage": $0.stage, "environment": $0.environment,
                                                      "accuracy": $0.accuracy.ordered, "loss": $0.loss.ordered] },
            ]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("stage  " + r.columns.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined())
        for (t, row) in r.accuracy.enumerated() {
            print(String(format: "%5d  ", t) + row.map { String(format: "%-9.3f", $0) }.joined())
        }
        for m in ContinualMetric.allCases {
            print(m.label.padding(toLength: 22, withPad: " ", startingAt: 0) + (r.metrics[m]?.number.map { String(format: "%8.4f", $0) } ?? "     n/a"))
        }
        print(String(format: "similarity of trained environments (pretrained): distribution similarity images %.3f  captions %.3f",
                     r.distributionSimilarity.images, r.distributionSimilarity.captions))
        print(String(format: "  (mean cross-environment cosine: SV %.3f  SL %.3f)", r.measuredSV, r.measuredSL))
        for c in r.contributions {
            print(String(format: "stage %d %@ -> %@: f=%+.3f SV %.3f SL %.3f SX %.3f/%.3f DV %.3f DL %.3f",
                         c.stage, c.trained, c.earlier, c.forgetting, c.sv, c.sl, c.sxEarlierTrained, c.sxTrainedEarlier,
                         c.driftVision, c.driftLanguage))
        }
        for a in r.attributions where a.stage > 1 {
            print(String(format: "shapley stage %d %@: vision %+.3f language %+.3f shared %+.3f", a.stage, a.environment,
                         a.accuracy.vision, a.accuracy.language, a.accuracy.shared))
        }
    }
}
