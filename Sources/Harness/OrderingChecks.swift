import Analysis
import Environments
import Foundation
import ResultStore

/// The paper's T3 checked on a suite's stored runs: per (model, method, similarity) group that
/// ran enough orders, the ordering validation against every cost variant at the pretrained
/// model (the protocol joins the key once it is a grid axis).
public struct OrderingCheck: Sendable {
    public var model: String
    public var method: String
    public var similarity: SimilaritySetting
    public var validation: OrderingValidation
}

public enum OrderingChecks {
    /// The outcomes the validation reads from a run's stored metrics.
    public static func outcomes(_ r: RunRecord) -> [OrderOutcome: Double] {
        var o: [OrderOutcome: Double] = [:]
        if let f = r.metrics[ContinualMetric.forgetting.rawValue] ?? nil { o[.forgetting] = f }
        if let b = r.metrics[ContinualMetric.bwt.rawValue] ?? nil { o[.bwt] = b }
        if let l = r.metrics[ContinualMetric.last.rawValue] ?? nil { o[.last] = l }
        return o
    }

    /// `runs`: finished runs of one stored suite, `suite` parsed from their stored text. The
    /// pretrained model of each (model, similarity) is rebuilt once (its pretraining is cached).
    public static func compute(suite: Suite, runs: [RunRecord], bootstrap: Bootstrap = Bootstrap()) throws -> [OrderingCheck] {
        let done = runs.filter { $0.status == .done && !$0.external }
        struct Key: Hashable { var model: String; var method: String; var sv: Double; var sl: Double }
        var groups: [Key: [RunRecord]] = [:]
        for r in done { groups[Key(model: r.model, method: r.method, sv: r.sv, sl: r.sl), default: []].append(r) }
        let n = suite.environmentNames.count
        var pretrained: [String: PretrainedOrders] = [:]
        var out: [OrderingCheck] = []
        let keys = groups.keys.sorted { ($0.model, $0.method, $0.sv, $0.sl) < ($1.model, $1.method, $1.sv, $1.sl) }
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
                              key: bootstrap.key.child(.string(k.model), .string(k.method), .string("\(k.sv) \(k.sl)")))
            if let v = OrderingValidation.analyse(ordered, costs: costs, bootstrap: b) {
                out.append(OrderingCheck(model: k.model, method: k.method, similarity: sim, validation: v))
            }
        }
        return out
    }
}
