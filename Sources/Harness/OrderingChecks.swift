import Analysis
import Environments
import Foundation
import ResultStore

/// The paper's T3 checked on a suite's stored runs: per (protocol, model, method, similarity)
/// group that ran enough orders, the ordering validation against every cost variant at the
/// pretrained model.
public struct OrderingCheck: Sendable {
    /// "adaptive" or "frozen": the paper states T3 under frozen encoders; protocols never pool.
    public var trainingProtocol: String
    public var model: String
    public var method: String
    public var similarity: SimilaritySetting
    public var validation: OrderingValidation
}

public enum OrderingChecks {
    /// The outcomes the validation reads from a run (RunRecord.orderOutcomes).
    public static func outcomes(_ r: RunRecord) -> [OrderOutcome: Double] { r.orderOutcomes }

    /// `runs`: finished runs of one stored suite, `suite` parsed from their stored text. The
    /// pretrained model of each (model, similarity) is rebuilt once (its pretraining is cached).
    public static func compute(suite: Suite, runs: [RunRecord], bootstrap: Bootstrap = Bootstrap()) throws -> [OrderingCheck] {
        let done = runs.filter { $0.status == .done && !$0.external }
        struct Key: Hashable { var trainingProtocol: String; var model: String; var method: String; var sv: Double; var sl: Double }
        var groups: [Key: [RunRecord]] = [:]
        for r in done { groups[Key(trainingProtocol: r.trainingProtocol, model: r.model, method: r.methodLabel, sv: r.sv, sl: r.sl), default: []].append(r) }
        let n = suite.environmentNames.count
        var pretrained: [String: PretrainedOrders] = [:]
        var out: [OrderingCheck] = []
        let keys = groups.keys.sorted { ($0.trainingProtocol, $0.model, $0.method, $0.sv, $0.sl) < ($1.trainingProtocol, $1.model, $1.method, $1.sv, $1.sl) }
        for k in keys {
            let rs = groups[k]!
            guard n >= 2, OrderingValidation.qualifies(orders: Set(rs.map(\.order)).count, environments: n),
                  suite.models.contains(where: { $0.name == k.model }) else { continue }
            let sim = SimilaritySetting(sv: k.sv, sl: k.sl)
            let pk = "\(k.model) \(k.sv) \(k.sl)"
            if pretrained[pk] == nil { pretrained[pk] = try PretrainedOrders(suite: suite, model: k.model, similarity: sim) }
            let scores = pretrained[pk]!.scores
            let costs = OrderCostVariant.all.map { OrderCost(scores: scores, variant: $0) }
            let ordered = rs.map { OrderedRun(order: $0.order, seed: $0.seed, outcomes: outcomes($0)) }
            let b = Bootstrap(resamples: bootstrap.resamples, confidence: bootstrap.confidence,
                              key: OrderingValidation.groupKey(bootstrap.key, protocol: k.trainingProtocol, model: k.model, method: k.method, sv: k.sv, sl: k.sl))
            if let v = OrderingValidation.analyse(ordered, costs: costs, bootstrap: b) {
                out.append(OrderingCheck(trainingProtocol: k.trainingProtocol, model: k.model, method: k.method, similarity: sim, validation: v))
            }
        }
        return out
    }

    /// The pretrained model's scores for each (suite name, model, similarity) of the stored runs
    /// where a (model, method, similarity) group ran enough orders to validate, for the report.
    /// A suite whose stored text no longer parses, or whose world cannot be built here, is left
    /// out (the page then shows no ordering analysis) rather than failing the report.
    public static func pretrainedScores(runs: [RunRecord]) -> [(suite: String, model: String, similarity: SimilaritySetting, scores: ConScores)] {
        let done = runs.filter { $0.status == .done && !$0.external }
        // The latest stored text of each suite name.
        var text: [String: RunRecord] = [:]
        for r in done { if let t = text[r.suiteName], t.finishedAt > r.finishedAt { continue }; text[r.suiteName] = r }
        var out: [(suite: String, model: String, similarity: SimilaritySetting, scores: ConScores)] = []
        for name in text.keys.sorted() {
            let r0 = text[name]!
            guard let suite = try? Suite.parse(text: r0.suiteText, file: "suite '\(name)'") else { continue }
            let mine = done.filter { $0.suiteName == name && $0.suiteHash == r0.suiteHash }
            var orders: [String: Set<[String]>] = [:]
            for r in mine { orders["\(r.model)\u{1}\(r.sv)\u{1}\(r.sl)\u{1}\(r.methodLabel)", default: []].insert(r.order) }
            var seen = Set<String>()
            for r in mine {
                let pk = "\(r.model)\u{1}\(r.sv)\u{1}\(r.sl)"
                guard !seen.contains(pk), OrderingValidation.qualifies(orders: orders[pk + "\u{1}\(r.methodLabel)"]!.count, environments: suite.environmentNames.count),
                      suite.models.contains(where: { $0.name == r.model }) else { continue }
                seen.insert(pk)
                let sim = SimilaritySetting(sv: r.sv, sl: r.sl)
                guard let p = try? PretrainedOrders(suite: suite, model: r.model, similarity: sim) else { continue }
                out.append((name, r.model, sim, p.scores))
            }
        }
        return out
    }
}
