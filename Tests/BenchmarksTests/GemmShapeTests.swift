@testable import Benchmarks
import Model
import Testing

/// The GEMM shape lists the bench figures divide by, against hand-derived FLOP totals.
struct GemmShapeTests {
    /// Backward of a GEMM costs two GEMMs of the forward's size (dW and dx), except where no
    /// input gradient is needed (the first layer of the image tower, the patch embedding).
    @Test func defaultStepIsThreeForwardsLessTheFirstInputGradient() {
        let c = BenchmarkModel(), b = 64, k = 4
        // MLP 1728 -> 256 -> 256 -> 64 on 64 images, bag 64 -> 256 -> 64 on 4 prompts, 64 x 64 x 4 similarities.
        let forward = 2.0 * Double(b * (1728 * 256 + 256 * 256 + 256 * 64) + k * (64 * 256 + 256 * 64) + b * 64 * k)
        let firstInputGradient = 2.0 * Double(b * 1728 * 256)
        #expect(c.imageInputs == 1728 && c.visionHidden == [256, 256] && c.textWidth == 64 && c.textHidden == [256] && c.embedding == 64)
        #expect(TrainingBenchmark.flops(TrainingBenchmark.gemmShapes(c, batch: b, prompts: k)) == 3 * forward - firstInputGradient)
    }

    /// ViT-bag at 24x24, patch 4 (36 patches of 48 values), width 64, 2 blocks of 4 heads of 16,
    /// feed-forward 128: the attention products Q K^T and P V are 36 x 16 x 36 per image and head.
    @Test func vitStepIsThreeForwardsLessThePatchInputGradient() {
        let vit = ViTDescription(), text = BagTextDescription(), b = 64, k = 4
        #expect(vit.patch == 4 && vit.width == 64 && vit.depth == 2 && vit.heads == 4 && vit.hidden == 128)
        let rows = b * 36
        let block = rows * (4 * 64 * 64 + 2 * 64 * 128) + b * 4 * 2 * (36 * 16 * 36)
        let forward = 2.0 * Double(rows * 48 * 64 + 2 * block + b * 64 * 64 + k * (64 * 256 + 256 * 64) + b * 64 * k)
        let patchInputGradient = 2.0 * Double(rows * 48 * 64)
        let shapes = TowersBenchmark.vitGemmShapes(vit, imageSize: 24, text: text, embedding: 64, batch: b, prompts: k)
        #expect(TrainingBenchmark.flops(shapes) == 3 * forward - patchInputGradient)
        // 2 + per block (6 linear layers x 3 + 6 products x 64 images x 4 heads) + 3 + bag (2 x 3) + 3 similarities.
        #expect(shapes.count == 2 + 2 * (18 + 6 * 256) + 3 + 6 + 3)
    }
}
