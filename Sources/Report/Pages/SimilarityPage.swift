import Analysis
import Foundation
import Linalg
import ResultStore

extension SuitePage {
    static let similarity = SuitePage(
        title: "Similarity sweep", link: "Similarity", file: "similarity",
        explanation: "Metrics against the vision similarity sv (averaged over sl) and against the language similarity sl (averaged over sv), per method, with 95% bootstrap CIs. Measured similarity, images and captions, under the pretrained model: 1 − the normalised unbiased MMD² between two trained environments' embeddings, mean over pairs (it rises with the dial; docs/metrics.md). Beside it, the figure earlier versions showed as \"measured SV/SL\", the mean cross-environment cosine (mean over pairs of the cosine between the environments' mean embeddings), which measures how concentrated each environment is and falls as the dial rises.",
        render: { ctx, main, suite, runs in try ctx.similarity(main, suite: suite, runs) })
}

extension SiteBuilder.Context {
    /// Metrics against each similarity dial, and the similarity measured beside the one asked for.
    func similarity(_ main: Element, suite: String, _ cur: [ReportData.Run]) throws {
        let methods = data.methods(cur)
        for (axis, key) in [("sv", \RunRecord.sv), ("sl", \RunRecord.sl)] {
            let values = Array(Set(cur.map { $0.record[keyPath: key] })).sorted()
            let metrics = [ContinualMetric.last, .forgetting]
            // Both metrics of a (method, value) cell from one pass of resamples.
            let cis = methods.map { m in
                values.map { v in
                    ReportData.intervals(cur.filter { $0.record.methodLabel == m && $0.record[keyPath: key] == v }, metrics: metrics,
                                         key: suite + axis + m + "\(v)")
                }
            }
            for metric in metrics {
                main.add("h2", text: "\(metric.label) against \(axis)")
                Charts.lines(main, label: "\(metric.label) against \(axis) by method", xLabels: values.map { fmt($0) }, xLabel: "\(axis) (similarity setting)", yLabel: "\(metric.label) (accuracy, fraction)",
                             series: methods.indices.map { i in
                                 let row = cis[i].map { $0[metric] }
                                 return (methods[i], row.map { $0?.estimate ?? .nan }, row.map { $0?.low ?? .nan }, row.map { $0?.high ?? .nan })
                             })
            }
            let table = main.add("table")
            let head = table.add("tr")
            for h in ["\(axis) asked", "similarity, images", "similarity, captions", "mean cross-environment cosine, images", "mean cross-environment cosine, captions"] {
                head.add("th", text: h)
            }
            for v in values {
                let rs = cur.filter { $0.record[keyPath: key] == v }
                let row = table.add("tr")
                row.add("td", text: fmt(v))
                // Runs stored before schema v9 have no distribution similarity: say so, never 0.
                for figure in [rs.compactMap { $0.record.similarityImages }, rs.compactMap { $0.record.similarityCaptions },
                               rs.compactMap { $0.record.measuredSV }, rs.compactMap { $0.record.measuredSL }] {
                    row.add("td", text: figure.isEmpty ? "not stored" : fmt(Descriptive.mean(figure), 3))
                }
            }
        }
    }
}
