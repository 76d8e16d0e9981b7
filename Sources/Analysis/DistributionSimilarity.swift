/// How alike two environments' embedding distributions are, on one side (images or captions):
/// 1 − MMD²_u / E|x_a − x_b|², with MMD²_u the unbiased squared maximum mean discrepancy under
/// the linear kernel and E|x_a − x_b|² the mean squared distance between independent draws of
/// the two environments. For unit embeddings both follow from the summaries:
/// K_aa = (n²|m_a|² − n) / (n(n − 1)) (self-pairs excluded), K_ab = m_a·m_b,
/// MMD²_u = K_aa + K_bb − 2 K_ab and E|x_a − x_b|² = 2 − 2 K_ab.
/// 1: the environments cannot be told apart by their means; 0: each environment is a single
/// point and the points differ. Unlike the mean cosine m_a·m_b (which falls as each environment
/// spreads out, whatever the two have in common), it compares the gap between the environments
/// with their own spread. Unbiased, so it may exceed 1 slightly for nearly equal distributions.
public enum DistributionSimilarity {
    public enum Side: String, CaseIterable, Sendable { case images, captions }

    public static func similarity(_ a: EmbeddingSummary, _ b: EmbeddingSummary, side: Side) -> Double {
        precondition(a.count > 1 && b.count > 1, "distribution similarity needs at least 2 samples per environment")
        let ma = side == .images ? a.imageMean : a.captionMean
        let mb = side == .images ? b.imageMean : b.captionMean
        let kaa = withinKernel(ma, a.count), kbb = withinKernel(mb, b.count)
        let kab = dot(ma, mb)
        let distance = 2 - 2 * kab
        guard distance > 0 else { return 1 }
        return 1 - (kaa + kbb - 2 * kab) / distance
    }

    /// Mean over the unordered pairs of environments (nil with fewer than two).
    public static func mean(_ summaries: [EmbeddingSummary], side: Side) -> Double? {
        var s = 0.0, pairs = 0
        for a in summaries.indices {
            for b in summaries.indices where b > a {
                s += similarity(summaries[a], summaries[b], side: side)
                pairs += 1
            }
        }
        return pairs > 0 ? s / Double(pairs) : nil
    }

    /// E k(x, x') over distinct samples of one environment with unit rows: (n²|m|² − n) / (n(n − 1)).
    static func withinKernel(_ m: [Double], _ count: Int) -> Double {
        let n = Double(count)
        return (n * n * dot(m, m) - n) / (n * (n - 1))
    }
}
