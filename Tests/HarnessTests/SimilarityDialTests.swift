import Analysis
import Environments
import Testing
@testable import Harness

/// Issue 16 item 7: the measured similarity follows the dial it measures, world seed by world seed.
struct SimilarityDialTests {
    func measured(seed: Int, sv: Double, sl: Double) throws -> (images: Double, captions: Double, meanCosine: Double) {
        let s = TinySettings.make(seed: seed)
        let p = try PreparedWorld(settings: s, similarity: SimilaritySetting(sv: sv, sl: sl))
        let trained = p.data.heldOut.indices.filter { !p.data.heldOut[$0] }.map { p.baseline.summaries[$0] }
        var meanCosine = 0.0, pairs = 0.0
        for a in trained.indices { for b in trained.indices where b > a { meanCosine += pairScores(trained[a], trained[b]).vision; pairs += 1 } }
        return (DistributionSimilarity.mean(trained, side: .images)!, DistributionSimilarity.mean(trained, side: .captions)!,
                meanCosine / pairs)
    }

    @Test(arguments: [0, 1, 2])
    func distributionSimilarityRisesWithBothDials(seed: Int) throws {
        let byVision = try [0, 0.5, 1].map { try measured(seed: seed, sv: $0, sl: 0.5) }
        let byLanguage = try [0, 0.5, 1].map { try measured(seed: seed, sv: 0.5, sl: $0) }
        #expect(byVision[0].images < byVision[1].images && byVision[1].images < byVision[2].images)
        #expect(byLanguage[0].captions < byLanguage[1].captions && byLanguage[1].captions < byLanguage[2].captions)
    }
}
