import Foundation

/// A researcher's own images: environments listed in a manifest (data.yaml), each with class
/// names, class prompts and a CSV per split of `path,label,caption`. The Harness reads and
/// checks the manifest into a `Config`; this world decodes every image once and resizes it to
/// the model's size. The similarity dials do not apply (the data is what it is).
public struct ManifestWorld: EnvironmentWorld {
    /// One image-caption pair of a split; `path` is absolute, `label` indexes the classes.
    public struct Entry: Sendable, Hashable {
        public var path: String
        public var label: Int
        public var caption: String
        public init(path: String, label: Int, caption: String) {
            self.path = path
            self.label = label
            self.caption = caption
        }
    }

    public struct Environment: Sendable, Hashable {
        public var name: String
        public var classNames: [String]
        public var classPrompts: [String]
        public var heldOut: Bool
        public var train: [Entry]
        public var evaluation: [Entry]
        public init(name: String, classNames: [String], classPrompts: [String], heldOut: Bool, train: [Entry], evaluation: [Entry]) {
            self.name = name
            self.classNames = classNames
            self.classPrompts = classPrompts
            self.heldOut = heldOut
            self.train = train
            self.evaluation = evaluation
        }
    }

    /// A read and checked manifest. The hashes cover the bytes of the manifest, its CSVs and
    /// every image they name, so an edited file is a different world and pretraining cache.
    public struct Config: Sendable, Hashable {
        public var manifest: String
        public var imageSize: Int = 24
        public var environments: [Environment] = []
        /// The pretraining mixture: the manifest's `pretraining:` CSV, else every trained
        /// environment's training split in manifest order.
        public var pretraining: [Entry] = []
        public var contentHash: String = ""
        public var pretrainingHash: String = ""
        public init(manifest: String) { self.manifest = manifest }

        public func problems() -> [String] {
            var p: [String] = []
            if !(8...128).contains(imageSize) { p.append("image_size must be in 8...128, got \(imageSize)") }
            if !environments.contains(where: { !$0.heldOut }) { p.append("\(manifest): at least one environment must be trained (not held_out)") }
            if pretraining.isEmpty { p.append("\(manifest): the pretraining mixture is empty") }
            return p
        }

        public var trainedNames: [String] { environments.filter { !$0.heldOut }.map(\.name) }
    }

    public let config: Config
    public let environments: [EnvironmentInfo]
    public var imageSize: Int { config.imageSize }
    public let vocabularyWords: [String]
    /// Decoded and resized images by absolute path (a file named twice is decoded once).
    private let images: [String: [Float]]

    public init(config: Config) throws {
        let problems = config.problems()
        guard problems.isEmpty else { throw WorldConfigurationError(problems: problems) }
        self.config = config
        var images: [String: [Float]] = [:]
        let all = config.environments.flatMap { $0.train + $0.evaluation } + config.pretraining
        for entry in all where images[entry.path] == nil {
            images[entry.path] = try ImageFile.decode(file: entry.path).modelInput(size: config.imageSize)
        }
        self.images = images
        environments = config.environments.map {
            EnvironmentInfo(name: $0.name, classNames: $0.classNames, classPrompts: $0.classPrompts, heldOut: $0.heldOut,
                            trainCount: $0.train.count, evaluationCount: $0.evaluation.count)
        }
        var words = Set<String>()
        for e in config.environments {
            for text in e.classPrompts + e.train.map(\.caption) + e.evaluation.map(\.caption) { words.formUnion(Tokenizer.split(text)) }
        }
        for entry in config.pretraining { words.formUnion(Tokenizer.split(entry.caption)) }
        vocabularyWords = words.sorted()
    }

    public func sample(environment e: Int, split: Split, index: Int) -> Sample {
        let list = split == .train ? config.environments[e].train : config.environments[e].evaluation
        let entry = list[index % list.count]
        return Sample(image: images[entry.path]!, caption: entry.caption, label: entry.label)
    }

    public func sourceFile(environment e: Int, split: Split, index: Int) -> String? {
        let list = split == .train ? config.environments[e].train : config.environments[e].evaluation
        return list[index % list.count].path
    }

    /// The mixture cycles through its list in order (pretraining draws its own batches).
    public func pretrainingSample(index: Int) -> Sample {
        let entry = config.pretraining[index % config.pretraining.count]
        return Sample(image: images[entry.path]!, caption: entry.caption, label: entry.label)
    }
}
