import Analysis
import Foundation
import Linalg
import ResultStore

extension SuitePage {
    static let generalization = SuitePage(
        title: "Generalization", link: "Generalization", file: "generalization",
        explanation: "Zero-shot accuracy on held-out environments (never trained) after each stage, stage 0 being the pretrained model; mean over cells with a 95% bootstrap CI.",
        render: { ctx, main, suite, runs in try ctx.generalization(main, suite: suite, runs) })
}

extension SiteBuilder.Context {
    /// Held-out accuracy over stages by method.
    func generalization(_ main: Element, suite: String, _ cur: [ReportData.Run]) throws {
        let methods = data.methods(cur)
        let stages = ReportData.stageCount(cur)
        Charts.lines(main, label: "Held-out accuracy over stages by method", xLabels: (0..<stages).map { "stage \($0)" }, xLabel: "after training stage", yLabel: "held-out accuracy (fraction)",
                     series: methods.map { m in
                         // Per run, the mean held-out accuracy at each stage (nil: none at that stage).
                         let perRun = cur.filter { $0.record.methodLabel == m }.map { ReportData.heldOutMeans($0, stages: stages) }
                         let cis: [Interval?]
                         if !perRun.isEmpty && perRun.allSatisfy({ $0.allSatisfy { $0 != nil } }) {
                             // Every run has every stage: one pass of resamples for all stages.
                             cis = Bootstrap(resamples: 1000, key: RandomKey("gen", .string(suite), .string(m)))
                                 .meanIntervals((0..<stages).map { t in perRun.map { $0[t]! } })
                         } else {
                             cis = (0..<stages).map { t -> Interval? in
                                 let values = perRun.compactMap { $0[t] }
                                 return values.isEmpty ? nil : Bootstrap(resamples: 1000, key: RandomKey("gen", .string(suite), .string(m), .int(t))).interval(values)
                             }
                         }
                         return (m, cis.map { $0?.estimate ?? .nan }, cis.map { $0?.low ?? .nan }, cis.map { $0?.high ?? .nan })
                     })
    }
}
