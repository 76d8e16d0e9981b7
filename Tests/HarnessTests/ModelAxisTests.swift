import Foundation
import Model
import Testing
@testable import Harness

/// `models:` as a grid axis: parsed descriptions, cells per model, and run identities of the
/// standard model unchanged by the axis.
struct ModelAxisTests {
    static func suite(_ models: String) throws -> Suite {
        let text = """
        name: axis
        world: {kind: procedural, image_size: 24, trained: 3}
        orders: latin
        similarity: {sv: [0.25, 0.75], sl: [0.5]}
        methods: [finetune, ewc]
        seeds: [0, 1]
        \(models)
        """
        return try SuiteParser(file: "axis.yaml", text: text).parse()
    }

    @Test func modelsAreParsedIntoDescriptions() throws {
        let s = try Self.suite("""
        models:
          - mlp-bag
          - vit-bag
          - name: small-vit
            vision: {kind: vit, patch: 6, width: 48, depth: 3, heads: 3, hidden: 96}
            text: {kind: bag, width: 32, hidden: [64, 64], max_tokens: 12}
            embedding: 32
        """)
        #expect(s.models.map(\.name) == ["mlp-bag", "vit-bag", "small-vit"])
        #expect(s.models[0].description == ModelDescription())
        #expect(s.models[1].description.vision == .vit(ViTDescription()))
        #expect(s.models[2].description == ModelDescription(
            vision: .vit(ViTDescription(patch: 6, width: 48, depth: 3, heads: 3, hidden: 96)),
            text: .bag(BagTextDescription(width: 32, hidden: [64, 64], maxTokens: 12)), embedding: 32))
        #expect(s.settings.model == s.models[0].description)
    }

    @Test func everyModelIsACellAndTheStandardModelKeepsItsHashes() throws {
        let single = try Self.suite("")
        let axis = try Self.suite("models: [mlp-bag, vit-bag]")
        let p1 = Plan(suite: single), p2 = Plan(suite: axis)
        #expect(p2.cells.count == 2 * p1.cells.count)
        #expect(p2.groups.count == 2 * p1.groups.count)
        let standard = p2.cells.filter { $0.modelIndex == 0 }, vit = p2.cells.filter { $0.modelIndex == 1 }
        // Same suite name and settings: the mlp-bag cells are the very cells of the suite
        // without models:, and the ViT cells are new ones.
        #expect(standard.map(\.hash) == p1.cells.map(\.hash))
        #expect(Set(vit.map(\.hash)).isDisjoint(with: Set(standard.map(\.hash))))
        #expect(p2.groups.allSatisfy { g in g.cells.allSatisfy { $0.modelIndex == g.modelIndex } })
    }

    /// The text the standard model enters into run identities and the pretraining cache key,
    /// exactly as clvbench wrote it before towers were pluggable (from the earlier
    /// `ExperimentSettings.ModelSize` and `ModelConfig`, encoded with sorted keys).
    @Test func standardModelIdentityIsTheEarlierText() {
        let d = ModelDescription()
        #expect(d.identity == #"{"embedding":64,"maxTokens":16,"textHidden":[256],"textWidth":64,"visionHidden":[256,256]}"#)
        #expect(d.builtIdentity(imageSize: 24, vocabularySize: 40) == #"{"embedding":64,"imageSize":24,"initialLogScale":2.65926,"maxLogScale":4.6051702,"maxTokens":16,"textHidden":[256],"textWidth":64,"visionHidden":[256,256],"vocabularySize":40}"#)
        var vit = d
        vit.vision = .vit(ViTDescription())
        #expect(vit.identity != d.identity && vit.identity.contains("vit"))
    }
}
