/// Observations grouped into cells for a bootstrap that resamples whole cells: the transitions
/// or stages of one cell share its training path and are not independent draws.
public struct ClusterResampling: Sendable {
    /// members[c]: the observation indices of cluster c, clusters in order of first appearance.
    public let members: [[Int]]
    /// The stratum of each cluster (that of its first observation).
    public let strata: [Int]

    /// `clusters[i]`: the cell of observation i (nil: its own cell); `strata[i]` its stratum.
    public init(clusters: [Int?], strata: [Int]? = nil) {
        precondition(strata == nil || strata!.count == clusters.count, "one stratum per observation")
        var index: [Int: Int] = [:]
        var members: [[Int]] = [], clusterStrata: [Int] = []
        for (i, c) in clusters.enumerated() {
            let key = c ?? -(i + 1)
            if let k = index[key] {
                members[k].append(i)
            } else {
                index[key] = members.count
                members.append([i])
                clusterStrata.append(strata?[i] ?? 0)
            }
        }
        self.members = members
        self.strata = clusterStrata
    }

    /// The drawn clusters of each replicate (stratified by cluster stratum).
    public func resamples(_ bootstrap: Bootstrap) -> [[Int]] {
        bootstrap.indexResamples(count: members.count, strata: strata)
    }

    /// The observations of a replicate: every member of each drawn cluster, in draw order.
    public func observations(of drawn: [Int]) -> [Int] { drawn.flatMap { members[$0] } }
}
