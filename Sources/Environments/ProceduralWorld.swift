import Linalg

/// The shape of a procedural world: how many environments, classes and samples.
public struct ProceduralWorldConfig: Sendable, Hashable, Codable {
    public var seed: Int = 0
    public var imageSize: Int = 24
    public var trainedEnvironments: Int = 4
    public var heldOutEnvironments: Int = 1
    public var classesPerEnvironment: Int = 4
    /// Fraction of each environment's classes that every environment shares.
    public var classOverlap: Double = 0
    public var trainSamples: Int = 2000
    public var evaluationSamples: Int = 400
    public var distractorProbability: Double = 0.25

    public init() {}

    /// What the pretraining mixture reads: the environment split and the dials are not in it,
    /// so one pretrained model serves every suite and setting that agree on these fields.
    public struct PretrainingMixture: Sendable, Hashable {
        public var seed: Int
        public var imageSize: Int
        public var distractorProbability: Double
    }

    public var pretrainingMixture: PretrainingMixture {
        PretrainingMixture(seed: seed, imageSize: imageSize, distractorProbability: distractorProbability)
    }

    public static let conceptCount = ShapeKind.allCases.count * Lexicon.colourNames.count

    /// Problems with the configuration, each naming the field; empty when valid.
    public func problems() -> [String] {
        var p: [String] = []
        if !(8...128).contains(imageSize) { p.append("image_size must be in 8...128, got \(imageSize)") }
        if trainedEnvironments < 1 { p.append("trained environments must be at least 1, got \(trainedEnvironments)") }
        if heldOutEnvironments < 0 { p.append("held_out must be 0 or more, got \(heldOutEnvironments)") }
        if classesPerEnvironment < 2 { p.append("classes per environment must be at least 2, got \(classesPerEnvironment)") }
        if !(0...1).contains(classOverlap) { p.append("class_overlap must be in [0, 1], got \(classOverlap)") }
        if trainSamples < 1 || evaluationSamples < 2 { p.append("samples: train must be >= 1 and evaluation >= 2") }
        if !(0...1).contains(distractorProbability) { p.append("distractor probability must be in [0, 1]") }
        let shared = Int((classOverlap * Double(classesPerEnvironment)).rounded())
        let needed = shared + (trainedEnvironments + heldOutEnvironments) * (classesPerEnvironment - shared)
        if needed > Self.conceptCount {
            p.append("\(trainedEnvironments + heldOutEnvironments) environments of \(classesPerEnvironment) classes "
                + "with overlap \(classOverlap) need \(needed) concepts; the world has \(Self.conceptCount)")
        }
        return p
    }
}

/// The default world: shapes with colours, sizes, positions and textures, captioned by a
/// grammar, under separate vision and language similarity dials. Needs no download.
public struct ProceduralWorld: EnvironmentWorld {
    public let config: ProceduralWorldConfig
    public let similarity: SimilaritySetting
    public let environments: [EnvironmentInfo]
    public var imageSize: Int { config.imageSize }

    /// Per environment: its classes as concept indices (shape * 8 + colour), domain and dialect.
    public let concepts: [[Int]]
    public let domains: [VisionDomain]
    public let dialects: [Dialect]
    private let sampleKeys: [RandomKey]
    private let worldKey: RandomKey
    private let renderer: Renderer

    public init(config: ProceduralWorldConfig, similarity: SimilaritySetting) throws {
        let problems = config.problems()
        guard problems.isEmpty else { throw WorldConfigurationError(problems: problems) }
        self.config = config
        self.similarity = similarity
        worldKey = RandomKey("clvbench-world", .int(config.seed))
        renderer = Renderer(size: config.imageSize)

        // Concepts: a world-seeded permutation; the first `shared` go to every environment.
        var conceptStream = RandomStream(key: worldKey.child("concepts"))
        var perm = conceptStream.permutation(ProceduralWorldConfig.conceptCount)
        let k = config.classesPerEnvironment
        let shared = Int((config.classOverlap * Double(k)).rounded())
        let common = Array(perm.prefix(shared))
        perm.removeFirst(shared)
        var names: [String] = []
        var held: [Bool] = []
        for i in 0..<config.trainedEnvironments { names.append(EnvironmentNames.trained(i)); held.append(false) }
        for i in 0..<config.heldOutEnvironments { names.append(EnvironmentNames.heldOut(i)); held.append(true) }
        var cs: [[Int]] = [], ds: [VisionDomain] = [], ls: [Dialect] = [], keys: [RandomKey] = []
        var infos: [EnvironmentInfo] = []
        for (e, name) in names.enumerated() {
            let own = Array(perm[(e * (k - shared))..<((e + 1) * (k - shared))])
            let classes = common + own
            let envKey = worldKey.child("environment", .string(name))
            let domain = VisionDomain.forEnvironment(key: envKey.child("vision"), similarity: similarity.sv)
            let dialect = Dialect(key: envKey.child("language"), similarity: similarity.sl, lexicon: .shapes)
            cs.append(classes); ds.append(domain); ls.append(dialect); keys.append(envKey.child("samples"))
            infos.append(EnvironmentInfo(
                name: name,
                classNames: classes.map(Self.conceptName),
                classPrompts: classes.map { c in
                    dialect.render(dialect.promptTemplate, slots: Lexicon.shapeSlots(shape: c / 8, colour: c % 8))
                },
                heldOut: held[e], trainCount: config.trainSamples, evaluationCount: config.evaluationSamples))
        }
        concepts = cs
        domains = ds
        dialects = ls
        sampleKeys = keys
        environments = infos
    }

    public static func conceptName(_ c: Int) -> String {
        Lexicon.colourNames[c % 8] + " " + ShapeKind(rawValue: c / 8)!.baseName
    }

    public var vocabularyWords: [String] { Lexicon.shapes.allWords }

    /// Three independent streams per sample: what the scene is, how it is rendered, how it is captioned.
    private func streams(_ key: RandomKey, _ split: Split, _ index: Int) -> (RandomStream, RandomStream, RandomStream) {
        let base = (UInt64(index) << 3) | (split == .train ? 0 : 4)
        return (RandomStream(key: key, substream: base), RandomStream(key: key, substream: base | 1),
                RandomStream(key: key, substream: base | 2))
    }

    public func sample(environment e: Int, split: Split, index: Int) -> Sample {
        var (attrs, noise, words) = streams(sampleKeys[e], split, index)
        let label = attrs.int(below: concepts[e].count)
        let scene = drawScene(concept: concepts[e][label], distractors: config.distractorProbability, &attrs)
        let image = renderer.render(scene, domain: domains[e], noise: &noise)
        let dialect = dialects[e]
        let template = dialect.templates[words.int(below: dialect.templates.count)]
        let caption = dialect.render(template, slots: slots(scene))
        return Sample(image: image, caption: caption, label: label)
    }

    /// Broad pretraining mixture: any concept, a random domain anywhere between the base and a
    /// random own domain, and a caption with a random synonym per slot and any template.
    /// Reads only `config.pretrainingMixture` (the pretraining cache identity).
    public func pretrainingSample(index: Int) -> Sample {
        let mixture = config.pretrainingMixture
        let key = RandomKey("clvbench-world", .int(mixture.seed)).child("pretraining")
        var (attrs, noise, words) = streams(key, .train, index)
        let concept = attrs.int(below: ProceduralWorldConfig.conceptCount)
        let scene = drawScene(concept: concept, distractors: mixture.distractorProbability, &attrs)
        let domainKey = RandomKey(value: attrs.nextUInt64())
        let domain = VisionDomain.base.interpolated(toward: VisionDomain.own(key: domainKey), by: attrs.uniform())
        let image = renderer.render(scene, domain: domain, noise: &noise)
        let lexicon = Lexicon.shapes
        let templates = lexicon.baseTemplates + lexicon.alternateTemplates
        let template = templates[words.int(below: templates.count)]
        var chosen: [String: String] = [:]
        for slot in lexicon.slotIDs {
            let pool = lexicon.pools[slot]!
            chosen[slot] = pool[words.int(below: pool.count)]
        }
        let caption = Dialect.fill(template, slots: slots(scene)) { chosen[$0]! }
        return Sample(image: image, caption: caption, label: concept)
    }

    private func slots(_ s: SceneAttributes) -> [String: String] {
        Lexicon.shapeSlots(shape: s.shape, colour: s.colour, size: s.size, pattern: s.pattern, position: s.positionWord)
    }

    private func drawScene(concept: Int, distractors: Double, _ s: inout RandomStream) -> SceneAttributes {
        // Small jitter in position and rotation: the vision tower is an MLP on pixels, and the
        // benchmark is about forgetting, not about learning translation invariance.
        let cx = Double(s.uniform(0.43, 0.57)), cy = Double(s.uniform(0.43, 0.57))
        var scene = SceneAttributes(
            shape: concept / 8, colour: concept % 8, size: s.int(below: 3), centerX: cx, centerY: cy,
            rotation: Double(s.uniform(-0.3, 0.3)), pattern: s.int(below: 4),
            patternPhase: Double(s.uniform(0, 2 * .pi)), distractor: nil)
        if s.uniformDouble() < distractors {
            var colour = s.int(below: 7)
            if colour >= concept % 8 { colour += 1 }
            scene.distractor = (s.int(below: 8), colour, cx < 0.5 ? 0.86 : 0.14, Double(s.uniform(0.15, 0.85)))
        }
        return scene
    }
}
