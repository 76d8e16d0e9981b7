/// Whether larger values of a metric are better.
public enum MetricDirection: String, Codable, Sendable {
    case higherIsBetter = "higher"
    case lowerIsBetter = "lower"

    /// +1 or -1: multiply a change by this to get "improvement".
    public var sign: Double { self == .higherIsBetter ? 1 : -1 }
}

/// The continual-learning metrics of DESIGN.md section 5, with their directions and conventions.
public enum ContinualMetric: String, CaseIterable, Codable, Sendable {
    case last, avg, bwt, forgetting, fwt, la, transfer, generalization, generalizationChange

    public var direction: MetricDirection { self == .forgetting ? .lowerIsBetter : .higherIsBetter }

    /// The short name used in tables.
    public var label: String {
        switch self {
        case .last: "Last"
        case .avg: "Avg"
        case .bwt: "BWT"
        case .forgetting: "Forgetting"
        case .fwt: "FWT"
        case .la: "LA"
        case .transfer: "Transfer"
        case .generalization: "Generalization"
        case .generalizationChange: "Generalization change"
        }
    }

    /// One sentence a reader of a results page needs.
    public var explanation: String {
        switch self {
        case .last: "Mean accuracy over the trained environments after the last stage."
        case .avg: "Mean accuracy over the trained environments and stages 1..T (ZSCL's Avg)."
        case .bwt: "Backward transfer: how accuracy on earlier environments changed by the end (GEM); negative means forgetting."
        case .forgetting: "Mean drop from the best earlier accuracy to the final accuracy on each earlier environment (Chaudhry et al.)."
        case .fwt: "Forward transfer: accuracy on an environment just before training it, minus the pretrained model's (GEM)."
        case .la: "Learning accuracy (plasticity): accuracy on each environment right after training it."
        case .transfer: "Zero-shot accuracy on environments not yet trained, averaged over the stages before them (ZSCL's Transfer)."
        case .generalization: "Mean final accuracy on held-out environments, which are never trained."
        case .generalizationChange: "Final minus pretrained accuracy on held-out environments."
        }
    }
}

/// A metric's value, or why it has none.
public enum MetricValue: Equatable, Sendable {
    case value(Double)
    case unavailable(String)

    public var number: Double? {
        if case .value(let v) = self { return v }
        return nil
    }
}

/// Computes every metric of an accuracy matrix. Indices follow DESIGN.md: stages 0..T,
/// trained columns 1..T (stored at 0..T-1), held-out columns after them.
public func continualMetrics(_ m: AccuracyMatrix) -> [ContinualMetric: MetricValue] {
    let t = m.trainedCount
    // Column of trained environment j (1-based, as in the formulas).
    func c(_ j: Int) -> Int { j - 1 }
    func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
    let needsTwo = MetricValue.unavailable("needs at least 2 trained environments")
    let needsBaseline = MetricValue.unavailable("needs a baseline row (row 0 = pretrained model)")
    let needsHeldOut = MetricValue.unavailable("needs held-out environments")

    var out: [ContinualMetric: MetricValue] = [:]
    out[.last] = .value(mean((1...t).map { m.r(t, c($0)) }))
    out[.avg] = .value(mean((1...t).flatMap { i in (1...t).map { j in m.r(i, c(j)) } }))
    out[.la] = .value(mean((1...t).map { m.r($0, c($0)) }))
    if t >= 2 {
        out[.bwt] = .value(mean((1..<t).map { j in m.r(t, c(j)) - m.r(j, c(j)) }))
        out[.forgetting] = .value(mean((1..<t).map { j in
            (1..<t).map { l in m.r(l, c(j)) }.max()! - m.r(t, c(j))
        }))
        out[.transfer] = .value(mean((2...t).map { j in mean((1..<j).map { i in m.r(i, c(j)) }) }))
        out[.fwt] = m.hasBaseline
            ? .value(mean((2...t).map { j in m.r(j - 1, c(j)) - m.r(0, c(j)) }))
            : needsBaseline
    } else {
        out[.bwt] = needsTwo
        out[.forgetting] = needsTwo
        out[.transfer] = needsTwo
        out[.fwt] = m.hasBaseline ? needsTwo : needsBaseline
    }
    if m.heldOutCount > 0 {
        let held = (t..<(t + m.heldOutCount))
        out[.generalization] = .value(mean(held.map { m.r(t, $0) }))
        out[.generalizationChange] = m.hasBaseline
            ? .value(mean(held.map { m.r(t, $0) - m.r(0, $0) }))
            : needsBaseline
    } else {
        out[.generalization] = needsHeldOut
        out[.generalizationChange] = needsHeldOut
    }
    return out
}
