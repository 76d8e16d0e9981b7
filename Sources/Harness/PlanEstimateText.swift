import Foundation

/// `clvbench plan`'s estimate as text: a line per model (so a ViT's hours are not hidden in the
/// total), then the total with and without prefix sharing. Row times are wall times on the
/// estimate's workers, so the rows add up to the total.
public enum PlanEstimateText {
    public static func lines(_ e: PlanEstimate, measuredAt: String, rerun: String) -> [String] {
        var out = ["estimate from the bench figures of \(measuredAt) on \(e.jobs) workers (pretraining, method overheads and a loaded machine not counted):"]
        let width = e.rows.map(\.model.count).max() ?? 0
        let jobs = Double(e.jobs)
        for r in e.rows {
            var parts: [String] = []
            if r.adaptiveStages > 0 {
                var p = "adaptive \(r.adaptiveStages) stages (\(r.adaptiveStagesWithoutSharing) unshared)"
                if let a = r.secondsPerAdaptiveStage, let c = r.secondsPerClipStage {
                    p += " x " + seconds(a) + (c != a ? " (\(seconds(c)) at clip_weight > 0)" : "")
                }
                parts.append(p)
            }
            if r.frozenStages > 0 {
                var p = "frozen \(r.frozenStages) stages (\(r.frozenStagesWithoutSharing) unshared)"
                if let f = r.secondsPerFrozenStage { p += " x " + seconds(f) }
                if r.setupSeconds > 0 { p += " + \(PlanEstimate.duration(r.setupSeconds)) embedding" }
                parts.append(p)
            }
            let name = r.model.padding(toLength: width, withPad: " ", startingAt: 0)
            if let w = r.work, let u = r.workWithoutSharing {
                out.append("  \(name)  \(parts.joined(separator: "; ")): \(PlanEstimate.duration(w / jobs)) with sharing, \(PlanEstimate.duration(u / jobs)) without")
            } else {
                out.append("  \(name)  \(parts.joined(separator: "; ")): no estimate, this model's \(r.frozenStages > 0 && r.secondsPerAdaptiveStage != nil ? "frozen-stage " : "")bench figures (towers section) are missing")
            }
        }
        var total = "estimated \(PlanEstimate.duration(e.seconds)) with prefix sharing, \(PlanEstimate.duration(e.secondsWithoutSharing)) without, on \(e.jobs) workers"
        if !e.unestimated.isEmpty {
            total += e.unestimated.count == e.rows.count ? " (no model has bench figures; \(rerun))"
                : " for the other models (\(e.unestimated.joined(separator: ", ")) not counted; \(rerun))"
        }
        return out + [total]
    }

    /// "1.23 s" per stage, "45 ms" below a tenth of a second.
    static func seconds(_ s: Double) -> String {
        s < 0.1 ? String(format: "%.0f ms", s * 1000) : String(format: "%.2f s", s)
    }
}
