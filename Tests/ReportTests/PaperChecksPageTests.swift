import CLibXML2
import Foundation
import ResultStore
import Testing
@testable import Report

/// The Paper checks page against figures computed by hand from the synthetic runs.
struct PaperChecksPageTests {
    @Test func t1RowCountsTransitionsAndItsInterceptIsTheMeanDrift() throws {
        let db = try SyntheticResults.database()
        let site = SiteTests()
        let (out, written) = try site.build(db)
        let path = out + "/paper-checks-demo.html"
        #expect(written.contains(path))
        let (doc, error) = site.parse(path)
        try #require(doc != nil, "\(error ?? "")")
        defer { xmlFreeDoc(doc) }
        let row = site.xpath(doc!, "(//h:table)[1]//h:tr[h:td[1]='adaptive · mlp-bag · finetune']/h:td")
        try #require(row.count == 11, "\(row)")
        // The synthetic runs store no CLIP losses: ΔCE alone, and the page says why.
        #expect(row[4] == "ΔCE" && row[9] == "CLIP losses not stored")
        #expect(site.xpath(doc!, "(//h:table)[1]//h:tr[h:td[5]='ΔCLIP']").isEmpty)
        // 2 seeds x 3 orders x 2 similarities, two transitions each.
        #expect(row[2] == "12" && row[3] == "24")
        // The synthetic scores are constants (0.2, 0.1): both slopes drop, α is the mean ΔCE, with
        // ΔCE = loss[k+1][t] - loss[k][t] = acc[k][t] - acc[k+1][t] (loss = 1 - accuracy).
        var drift: [Double] = []
        for r in try Store(path: db, mode: .readOnly).loadRuns().map(\.record) where r.method == "finetune" {
            let acc = Dictionary(uniqueKeysWithValues: r.accuracy.map { ("\($0.stage) \($0.environment)", $0.accuracy) })
            for k in 1..<r.order.count { drift.append(acc["\(k) \(r.order[k - 1])"]! - acc["\(k + 1) \(r.order[k - 1])"]!) }
        }
        #expect(drift.count == 24)
        let mean = drift.reduce(0, +) / Double(drift.count)
        #expect(row[5].hasPrefix("0 [") && row[6].hasPrefix("0 ["))
        #expect(row[7].hasPrefix(fmt(mean, 3) + " ["), "\(row[7]) vs \(mean)")
        #expect(row[8].hasPrefix("0 ["))  // constant predictors explain nothing
        // T2: no stored alignment in the synthetic runs, one λ.
        let t2 = site.xpath(doc!, "(//h:table)[2]//h:tr[h:td[1]='adaptive · mlp-bag · finetune']/h:td")
        #expect(t2.count == 4 && t2[3] == "one λ only")
    }
}
