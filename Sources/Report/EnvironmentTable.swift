import Analysis
import Foundation
import Linalg

/// The papers' per-environment table: final accuracy R[T][e] (T a run's last stage) on each
/// environment, by method, as the mean over the method's cells with a 95% bootstrap CI
/// stratified by similarity setting. Trained environments first (natural name order), then
/// held-out ones.
struct EnvironmentTable {
    var environments: [String]
    var heldOut: Set<String>
    var methods: [String]
    /// cells[method][environment]; nil where no run of the method evaluated the environment.
    var cells: [[Interval?]]

    init(_ rs: [ReportData.Run], methods: [String], key: String) {
        var held = Set<String>(), names = Set<String>()
        for r in rs { for a in r.record.accuracy { names.insert(a.environment); if a.heldOut { held.insert(a.environment) } } }
        let envs = names.sorted { a, b in
            let ha = held.contains(a), hb = held.contains(b)
            if ha != hb { return !ha }
            let c = a.compare(b, options: .numeric)
            return c == .orderedSame ? a < b : c == .orderedAscending
        }
        environments = envs
        heldOut = held
        self.methods = methods
        let settings = Array(Set(rs.map { "\($0.record.sv) \($0.record.sl)" })).sorted()
        cells = methods.map { m in
            let mr = rs.filter { $0.record.methodLabel == m }
            return envs.map { e in
                var values: [Double] = [], strata: [Int] = []
                for r in mr {
                    guard let last = r.record.accuracy.map(\.stage).max(),
                          let a = r.record.accuracy.first(where: { $0.stage == last && $0.environment == e }) else { continue }
                    values.append(a.accuracy)
                    strata.append(settings.firstIndex(of: "\(r.record.sv) \(r.record.sl)")!)
                }
                guard !values.isEmpty else { return nil }
                return Bootstrap(resamples: 2000, key: RandomKey("report", .string(key), .string("environment"), .string(m), .string(e)))
                    .interval(values, strata: strata)
            }
        }
    }
}
