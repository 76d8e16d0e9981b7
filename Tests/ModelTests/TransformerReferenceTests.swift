import Foundation
import Linalg
import Testing
@testable import Model

/// A whole block against outputs stored by an independent numpy implementation
/// (Fixtures/make_transformer_reference.py: float64 arithmetic on the same float32 weights).
struct TransformerReferenceTests {
    struct Reference: Decodable {
        var width: Int, heads: Int, hidden: Int, length: Int, lengths: [Int], epsilon: Float
        var weights: [String: [Float]]
        var input: [Float]
        var post_norm: [Float], pre_norm: [Float], post_norm_mean_pooled: [Float]
    }

    static func load() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/transformer_block_reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    static func block(_ ref: Reference, _ placement: TransformerBlock.NormPlacement) throws -> TransformerBlock {
        var rng = RandomStream(key: RandomKey("unused"))
        var b = TransformerBlock(width: ref.width, heads: ref.heads, hidden: ref.hidden, placement: placement,
                                 epsilon: ref.epsilon, rng: &rng)
        var missing: [String] = []
        b.forEachTensor(prefix: "") { name, m in
            guard let v = ref.weights[name], v.count == m.count else { missing.append(name); return }
            m.storage = v
        }
        #expect(missing.isEmpty, "reference lacks \(missing)")
        #expect(Set(ref.weights.keys) == Set(b.namedTensors().map(\.name)))
        return b
    }

    static func maxError(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test(arguments: TransformerBlock.NormPlacement.allCases)
    func blockMatchesNumpy(placement: TransformerBlock.NormPlacement) throws {
        let ref = try Self.load()
        let b = try Self.block(ref, placement)
        let mask = PaddingMask(lengths: ref.lengths, length: ref.length)
        let x = Matrix(rows: mask.rows, cols: ref.width, storage: ref.input)
        let y = b.forward(x, mask: mask).y
        let expected = placement == .postNorm ? ref.post_norm : ref.pre_norm
        #expect(y.count == expected.count)
        // Outputs are O(1); Float32 through two matmul chains and two LayerNorms stays within 1e-5.
        #expect(Self.maxError(y.storage, expected) < 2e-5, "max error \(Self.maxError(y.storage, expected))")
        if placement == .postNorm {
            let pooled = MeanPooling.forward(y, mask: mask)
            #expect(Self.maxError(pooled.storage, ref.post_norm_mean_pooled) < 2e-5)
        }
    }
}
