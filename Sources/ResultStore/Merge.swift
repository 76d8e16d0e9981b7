import Foundation

extension Store {
    /// What a merge did.
    public struct MergeReport: Sendable, Equatable {
        public var inserted = 0
        /// Runs already present with identical results.
        public var duplicates = 0
        /// Runs present in both with different results: "run key: what differs". Never overwritten.
        public var conflicts: [String] = []
    }

    /// Copies every run of `sources` that this database lacks. Idempotent: merging twice adds
    /// nothing. A run present on both sides with different results is reported, not copied.
    public func merge(from sources: [Store]) throws -> MergeReport {
        var report = MergeReport()
        var existing: [String: RunRecord] = [:]
        for r in try loadRuns() { existing[r.record.runKey] = r.record }
        // Every source is read (and its rows checked) before the first insert: an impossible row
        // in any source refuses the whole merge.
        let loaded = try sources.map { ($0, try $0.loadRuns()) }
        for (source, runs) in loaded {
            for run in runs {
                let r = run.record
                if let have = existing[r.runKey] {
                    if have.accuracy == r.accuracy && have.metrics == r.metrics && have.status == r.status {
                        report.duplicates += 1
                    } else {
                        report.conflicts.append("\(r.runKey) (\(r.methodLabel) \(r.orderKey) seed \(r.seed)) from \(source.path): results differ from the stored run")
                    }
                    continue
                }
                try insert(r)
                existing[r.runKey] = r
                report.inserted += 1
            }
        }
        return report
    }
}
