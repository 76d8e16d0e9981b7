import Foundation

/// What the paper's T1 and T2 checks read from a stored run (docs/metrics.md, "The paper's checks").
extension RunRecord {
    /// λ of the run's objective CE + λ·CLIP: its `clip_weight` parameter, 0 when not given.
    public var clipWeight: Double {
        (parameterObject["clip_weight"] as? NSNumber)?.doubleValue ?? 0
    }

    /// The method without its CLIP weight: the runs T2 compares across λ.
    public var methodFamily: String {
        let p = parameterObject
        return methodName + p.keys.filter { $0 != "clip_weight" }.sorted().map { " \($0)=\(p[$0]!)" }.joined()
    }

    /// The runs one T1 fit pools: same protocol, model and method (so each λ is its own fit).
    public var lossDriftGroup: PaperCheckGroup { PaperCheckGroup(trainingProtocol: trainingProtocol, model: model, method: methodLabel) }
    /// The runs one T2 correlation pools: same protocol, model and method family (λ varies).
    public var alignmentGroup: PaperCheckGroup { PaperCheckGroup(trainingProtocol: trainingProtocol, model: model, method: methodFamily) }

    private var parameterObject: [String: Any] {
        guard let data = methodParameters.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return obj
    }

    /// CLV(t): the matched alignment of t's evaluation pairs at the stage that trained t, per stage.
    public var alignmentAfterTraining: [(stage: Int, environment: String, clv: Double)] {
        let align = Dictionary(embeddings.map { ("\($0.stage) \($0.environment)", $0.alignment) }, uniquingKeysWith: { a, _ in a })
        return order.enumerated().compactMap { k, t in align["\(k + 1) \(t)"].map { (k + 1, t, $0) } }
    }

    /// Each consecutive transition t→t' (stage k trained t, stage k+1 trained t') with
    /// ΔCE = CE_t(θ_k+1) − CE_t(θ_k) on t's evaluation data, and ΔCLIP likewise from the CLIP
    /// loss of t's evaluation pairs (nil when the run did not store it: external, imported, or
    /// stored before schema v7). Empty when the run's losses are unknown.
    public var lossTransitions: [(stage: Int, from: String, to: String, deltaCE: Double, deltaCLIP: Double?)] {
        guard lossKnown, order.count > 1 else { return [] }
        let loss = Dictionary(accuracy.map { ("\($0.stage) \($0.environment)", $0.loss) }, uniquingKeysWith: { a, _ in a })
        let clip = Dictionary(embeddings.compactMap { e in e.clipLoss.map { ("\(e.stage) \(e.environment)", $0) } }, uniquingKeysWith: { a, _ in a })
        return (1..<order.count).compactMap { k in
            let t = order[k - 1]
            guard let before = loss["\(k) \(t)"], let after = loss["\(k + 1) \(t)"] else { return nil }
            let deltaCLIP = clip["\(k + 1) \(t)"].flatMap { a in clip["\(k) \(t)"].map { a - $0 } }
            return (k, t, order[k], after - before, deltaCLIP)
        }
    }
}

/// Which runs the paper's checks pool: the protocol and model always separate (frozen and
/// adaptive answer different questions), the method or method family as each check needs.
public struct PaperCheckGroup: Hashable, Comparable, Sendable {
    public var trainingProtocol: String
    public var model: String
    public var method: String
    public init(trainingProtocol: String, model: String, method: String) {
        self.trainingProtocol = trainingProtocol; self.model = model; self.method = method
    }
    public static func < (a: Self, b: Self) -> Bool {
        (a.trainingProtocol, a.model, a.method) < (b.trainingProtocol, b.model, b.method)
    }
    /// "adaptive · mlp-bag · finetune": how pages and text output name the group.
    public var label: String { [trainingProtocol, model, method].joined(separator: " · ") }
}
