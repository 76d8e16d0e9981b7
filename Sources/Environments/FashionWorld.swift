import Foundation
import Linalg

/// Real images: Fashion-MNIST split into environments by class groups, with image-domain
/// variants (rotation, inversion, contrast, tint) that act as the vision dial and class-name
/// captions with synonyms that act as the language dial.
public struct FashionWorld: EnvironmentWorld {
    public struct Config: Sendable, Hashable, Codable {
        public var seed: Int = 0
        public var imageSize: Int = 24
        /// Classes of each environment; the last `heldOut` groups are held out.
        public var classGroups: [[Int]] = [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
        public var heldOut: Int = 1
        public var trainSamples: Int = 2000
        public var evaluationSamples: Int = 400
        public init() {}

        /// Problems with the configuration, each naming the field; empty when valid.
        public func problems() -> [String] {
            var p: [String] = []
            let flat = classGroups.flatMap { $0 }
            if !(8...128).contains(imageSize) { p.append("image_size must be in 8...128, got \(imageSize)") }
            if classGroups.isEmpty || classGroups.contains(where: \.isEmpty) { p.append("class_groups must be non-empty lists") }
            if flat.contains(where: { !(0...9).contains($0) }) { p.append("class_groups: classes are 0...9") }
            if Set(flat).count != flat.count { p.append("class_groups: a class appears in two groups") }
            if classGroups.contains(where: { $0.count < 2 }) { p.append("class_groups: each group needs at least 2 classes") }
            if heldOut < 0 || heldOut >= classGroups.count { p.append("held_out must leave at least one trained group") }
            if trainSamples < 1 || evaluationSamples < 2 { p.append("samples: train must be >= 1 and evaluation >= 2") }
            return p
        }

        public var trainedCount: Int { classGroups.count - heldOut }

        /// What the pretraining mixture reads (with the data's directory); not the class split.
        public struct PretrainingMixture: Sendable, Hashable {
            public var seed: Int
            public var imageSize: Int
            public var directory: String
        }

        public func pretrainingMixture(directory: String) -> PretrainingMixture {
            PretrainingMixture(seed: seed, imageSize: imageSize, directory: directory)
        }
    }

    /// The per-environment image transform; identity is the base domain.
    public struct Domain: Sendable, Equatable {
        public var rotation: Float  // radians
        public var inversion: Float // probability that an image is inverted (a blend would flatten it to grey)
        public var contrast: Float  // multiplies the deviation from mid-grey
        public var tint: [Float]    // per RGB channel

        public static let identity = Domain(rotation: 0, inversion: 0, contrast: 1, tint: [1, 1, 1])

        static func own(key: RandomKey) -> Domain {
            var s = RandomStream(key: key)
            return Domain(rotation: s.uniform(-0.7, 0.7), inversion: s.bernoulli(0.5) ? 1 : 0,
                          contrast: s.uniform(0.45, 1.6), tint: [s.uniform(0.5, 1.2), s.uniform(0.5, 1.2), s.uniform(0.5, 1.2)])
        }

        func interpolated(toward o: Domain, by t: Float) -> Domain {
            Domain(rotation: rotation + t * (o.rotation - rotation), inversion: inversion + t * (o.inversion - inversion),
                   contrast: contrast + t * (o.contrast - contrast), tint: zip(tint, o.tint).map { $0 + t * ($1 - $0) })
        }
    }

    public static let lexicon = Lexicon(
        pools: [
            "item.0": ["t-shirt", "tee", "top", "tee shirt", "jersey"],
            "item.1": ["trouser", "pants", "slacks", "jeans", "leggings"],
            "item.2": ["pullover", "sweater", "jumper", "knit", "cardigan"],
            "item.3": ["dress", "gown", "frock", "sundress", "robe"],
            "item.4": ["coat", "jacket", "overcoat", "parka", "anorak"],
            "item.5": ["sandal", "flip-flop", "slipper", "mule", "espadrille"],
            "item.6": ["shirt", "blouse", "button-down", "tunic", "polo"],
            "item.7": ["sneaker", "trainer", "running shoe", "plimsoll", "kicks"],
            "item.8": ["bag", "handbag", "purse", "tote", "satchel"],
            "item.9": ["ankle boot", "boot", "bootie", "chelsea boot", "combat boot"],
        ],
        baseTemplates: ["a photo of a {item}", "a {item}", "a picture of a {item}"],
        alternateTemplates: ["an image of the {item}", "{item} product photo", "a grayscale {item}",
                             "this is a {item}", "catalogue : {item}", "one {item} , centered"],
        basePromptTemplate: "a photo of a {item}",
        alternatePromptTemplates: ["a {item}", "an image of the {item}", "catalogue : {item}", "this is a {item}"])

    public let config: Config
    public let similarity: SimilaritySetting
    public let environments: [EnvironmentInfo]
    public var imageSize: Int { config.imageSize }
    public let domains: [Domain]
    public let dialects: [Dialect]
    private let data: FashionMNIST
    /// Per environment and split: dataset indices of its classes, in a seeded order.
    private let indices: [[[Int]]]
    private let worldKey: RandomKey

    public init(config: Config, similarity: SimilaritySetting, data: FashionMNIST) throws {
        let problems = config.problems()
        guard problems.isEmpty else { throw WorldConfigurationError(problems: problems) }
        self.config = config
        self.similarity = similarity
        self.data = data
        worldKey = RandomKey("clvbench-fashion", .int(config.seed))
        var envs: [EnvironmentInfo] = [], ds: [Domain] = [], ls: [Dialect] = [], idx: [[[Int]]] = []
        let trainedCount = config.trainedCount
        for (e, group) in config.classGroups.enumerated() {
            let held = e >= trainedCount
            let name = held ? EnvironmentNames.heldOut(e - trainedCount) : EnvironmentNames.trained(e)
            let envKey = worldKey.child("environment", .string(name))
            let domain = Domain.identity.interpolated(toward: Domain.own(key: envKey.child("vision")), by: Float(1 - similarity.sv))
            let dialect = Dialect(key: envKey.child("language"), similarity: similarity.sl, lexicon: Self.lexicon)
            var perSplit: [[Int]] = []
            for (part, split) in [(data.train, Split.train), (data.test, Split.evaluation)] {
                var list = part.labels.indices.filter { group.contains(Int(part.labels[$0])) }
                var s = RandomStream(key: envKey.child("order", .string(split.rawValue)))
                s.shuffle(&list)
                perSplit.append(list)
            }
            envs.append(EnvironmentInfo(
                name: name, classNames: group.map { FashionMNIST.classNames[$0] },
                classPrompts: group.map { dialect.render(dialect.promptTemplate, slots: ["item": "item.\($0)"]) },
                heldOut: held, trainCount: min(config.trainSamples, perSplit[0].count),
                evaluationCount: min(config.evaluationSamples, perSplit[1].count)))
            ds.append(domain); ls.append(dialect); idx.append(perSplit)
        }
        environments = envs
        domains = ds
        dialects = ls
        indices = idx
    }

    public var vocabularyWords: [String] { Self.lexicon.allWords }

    public func sample(environment e: Int, split: Split, index: Int) -> Sample {
        let list = indices[e][split == .train ? 0 : 1]
        let item = list[index % list.count]
        let part = split == .train ? data.train : data.test
        let cls = Int(part.labels[item])
        var s = RandomStream(key: worldKey.child("caption", .string(environments[e].name)), substream: UInt64(index) << 1 | (split == .train ? 0 : 1))
        let dialect = dialects[e]
        let template = dialect.templates[s.int(below: dialect.templates.count)]
        let invert = s.uniform() < domains[e].inversion
        return Sample(image: render(part, item, domains[e], invert: invert), caption: dialect.render(template, slots: ["item": "item.\(cls)"]),
                      label: config.classGroups[e].firstIndex(of: cls)!)
    }

    /// Any training image of any class, a random domain, a caption with random synonyms.
    /// Reads the seed, the image size and the data only (the pretraining mixture).
    public func pretrainingSample(index: Int) -> Sample {
        var s = RandomStream(key: worldKey.child("pretraining"), substream: UInt64(index))
        let item = s.int(below: data.train.count)
        let cls = Int(data.train.labels[item])
        let domain = Domain.identity.interpolated(toward: Domain.own(key: RandomKey(value: s.nextUInt64())), by: s.uniform())
        let templates = Self.lexicon.baseTemplates + Self.lexicon.alternateTemplates
        let pool = Self.lexicon.pools["item.\(cls)"]!
        let caption = Dialect.fill(templates[s.int(below: templates.count)], slots: ["item": "item.\(cls)"]) { _ in
            pool[s.int(below: pool.count)]
        }
        let invert = s.uniform() < domain.inversion
        return Sample(image: render(data.train, item, domain, invert: invert), caption: caption, label: cls)
    }

    /// Bilinear resampling of the 28x28 image into imageSize, rotated about the centre, then
    /// inversion (of a whole image, with the domain's probability), contrast and tint.
    func render(_ part: FashionMNIST.Part, _ item: Int, _ d: Domain, invert: Bool) -> [Float] {
        let n = config.imageSize, h = part.rows, w = part.cols
        let base = item * h * w
        var out = [Float](repeating: 0, count: n * n * 3)
        let c = cos(Double(d.rotation)), s = sin(Double(d.rotation))
        let scale = Double(w) / Double(n)
        for y in 0..<n {
            for x in 0..<n {
                // Output pixel centre -> source coordinates (rotation about the image centre).
                let ox = (Double(x) + 0.5) * scale - Double(w) / 2, oy = (Double(y) + 0.5) * scale - Double(h) / 2
                let sx = c * ox + s * oy + Double(w) / 2 - 0.5, sy = -s * ox + c * oy + Double(h) / 2 - 0.5
                let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                let fx = sx - Double(x0), fy = sy - Double(y0)
                func px(_ xx: Int, _ yy: Int) -> Double {
                    xx < 0 || yy < 0 || xx >= w || yy >= h ? 0 : Double(part.pixels[base + yy * w + xx]) / 255
                }
                var v = (1 - fy) * ((1 - fx) * px(x0, y0) + fx * px(x0 + 1, y0)) + fy * ((1 - fx) * px(x0, y0 + 1) + fx * px(x0 + 1, y0 + 1))
                if invert { v = 1 - v }
                v = 0.5 + Double(d.contrast) * (v - 0.5)
                for ch in 0..<3 { out[(y * n + x) * 3 + ch] = Float(min(1, max(0, v * Double(d.tint[ch])))) }
            }
        }
        return out
    }
}
