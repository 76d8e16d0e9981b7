import Foundation
import Linalg

/// Real images with real captions: Noto Color Emoji glyphs composited onto sampled backgrounds,
/// captioned with their Unicode CLDR names. The `semantic` family draws each environment from
/// a different top-level group (like the paper's COCO split), the `taxonomic` family draws
/// environments from subgroups of one group (like CUB). DESIGN.md sections 3 and 10.
public struct EmojiWorld: EnvironmentWorld {
    public enum Family: String, Sendable, Hashable, Codable, CaseIterable {
        case semantic, taxonomic
    }

    public struct Config: Sendable, Hashable, Codable {
        /// Picks the environments' groups and classes, and seeds every sample.
        public var seed: Int = 0
        public var family: Family = .semantic
        /// Semantic: the groups environments are drawn from (nil: `semanticGroups`).
        public var groups: [String]? = nil
        /// Taxonomic: the group whose subgroups are the environments.
        public var group: String = "Animals & Nature"
        /// Taxonomic: the subgroups environments are drawn from (nil: `taxonomicSubgroups` for
        /// Animals & Nature, every subgroup of `group` otherwise).
        public var subgroups: [String]? = nil
        public var classes: Int = 8
        public var trained: Int = 5
        public var heldOut: Int = 1
        public var imageSize: Int = 24
        public var trainSamples: Int = 1000
        public var evaluationSamples: Int = 300
        /// Augmentation seed of the pretraining mixture (independent of the environments).
        public var pretrainingSeed: Int = 0
        public var font: String = EmojiFont.defaultPath
        public var data: String = EmojiCatalog.defaultPath
        public init() {}

        /// What the pretraining mixture reads: every emoji of every group, its own seed.
        public struct PretrainingMixture: Sendable, Hashable {
            public var pretrainingSeed: Int
            public var imageSize: Int
            public var font: String
            public var data: String
        }

        public var pretrainingMixture: PretrainingMixture {
            PretrainingMixture(pretrainingSeed: pretrainingSeed, imageSize: imageSize, font: font, data: data)
        }

        /// Problems that need no data; `EmojiWorld.init` checks names and counts against the catalog.
        public func problems() -> [String] {
            var p: [String] = []
            if !(8...128).contains(imageSize) { p.append("image_size must be in 8...128, got \(imageSize)") }
            if trained < 1 { p.append("trained environments must be at least 1, got \(trained)") }
            if heldOut < 0 { p.append("held_out must be 0 or more, got \(heldOut)") }
            if classes < 2 { p.append("classes per environment must be at least 2, got \(classes)") }
            if trainSamples < 1 || evaluationSamples < 2 { p.append("samples: train must be >= 1 and evaluation >= 2") }
            return p
        }
    }

    /// COCO-like: the top-level groups with many single-glyph emoji (Component and Flags left out).
    public static let semanticGroups = ["Smileys & Emotion", "People & Body", "Animals & Nature", "Food & Drink",
                                        "Travel & Places", "Activities", "Objects", "Symbols"]
    /// CUB-like: subgroups of Animals & Nature.
    public static let taxonomicSubgroups = ["animal-mammal", "animal-bird", "animal-marine", "animal-bug",
                                            "animal-reptile", "plant-flower", "plant-other"]

    /// Caption templates over the articled name ("a cat face"); {name} is the bare name.
    public static let templates = ["an emoji of {a-name}", "a picture showing {a-name}", "{name}", "an image of {a-name}",
                                   "{name} emoji", "a small icon of {a-name}", "this is {a-name}", "a drawing of {a-name}"]
    public static let promptTemplate = "an emoji of {a-name}"

    public let config: Config
    public let similarity: SimilaritySetting
    public let environments: [EnvironmentInfo]
    public var imageSize: Int { config.imageSize }
    /// Per environment: the group or subgroup it was drawn from, and its classes.
    public let sources: [String]
    public let classes: [[EmojiCatalog.Emoji]]
    /// Every emoji the font renders, in catalog order: the pretraining mixture draws from it.
    public let mixture: [EmojiCatalog.Emoji]
    /// Glyphs are decoded on first use and kept for the process.
    private let font: EmojiFont
    private let domains: [EmojiDomain]
    private let ownTemplates: [Int]
    private let sampleKeys: [RandomKey]
    private let vocabulary: [String]

    public init(config: Config, similarity: SimilaritySetting) throws {
        let problems = config.problems()
        guard problems.isEmpty else { throw WorldConfigurationError(problems: problems) }
        let catalog = try EmojiCatalog(path: config.data)
        let font = try EmojiFont.shared(path: config.font)
        self.config = config
        self.similarity = similarity
        mixture = catalog.emoji.filter { font.hasGlyph($0.codePoint) }
        self.font = font

        let chosen = try Self.environments(config, catalog) { font.hasGlyph($0) }
        let worldKey = RandomKey("clvbench-emoji", .int(config.seed))
        var infos: [EnvironmentInfo] = [], cls: [[EmojiCatalog.Emoji]] = [], ds: [EmojiDomain] = [], own: [Int] = [], keys: [RandomKey] = []
        for (e, (_, pool)) in chosen.enumerated() {
            let held = e >= config.trained
            let name = held ? EnvironmentNames.heldOut(e - config.trained) : EnvironmentNames.trained(e)
            let envKey = worldKey.child("environment", .string(name))
            var classStream = RandomStream(key: envKey.child("classes"))
            let picked = Self.pickClasses(pool, count: config.classes, &classStream)
            var langStream = RandomStream(key: envKey.child("language"))
            cls.append(picked)
            ds.append(EmojiDomain.base.interpolated(toward: EmojiDomain.own(key: envKey.child("vision")), by: Float(1 - similarity.sv)))
            own.append(langStream.int(below: Self.templates.count))
            keys.append(envKey.child("samples"))
            infos.append(EnvironmentInfo(
                name: name, classNames: picked.map(\.name), classPrompts: picked.map { Self.fill(Self.promptTemplate, $0.name) },
                heldOut: held, trainCount: config.trainSamples, evaluationCount: config.evaluationSamples))
        }
        sources = chosen.map(\.0)
        classes = cls
        domains = ds
        ownTemplates = own
        sampleKeys = keys
        environments = infos
        var words = Set<String>()
        for t in Self.templates { words.formUnion(Tokenizer.split(Self.fill(t, ""))) }
        words.insert("a"); words.insert("an")
        for e in mixture { words.formUnion(Tokenizer.split(e.name)) }
        vocabulary = words.sorted()
    }

    /// The environments' groups or subgroups, each with the emoji it holds (those `renders`):
    /// checks names and counts against the catalog, and picks with the world seed.
    static func environments(_ config: Config, _ catalog: EmojiCatalog, renders: @escaping (UInt32) -> Bool) throws
        -> [(String, [EmojiCatalog.Emoji])]
    {
        let count = config.trained + config.heldOut
        let candidates: [String]
        let members: (String) -> [EmojiCatalog.Emoji]
        switch config.family {
        case .semantic:
            candidates = config.groups ?? Self.semanticGroups
            let known = catalog.groups.map(\.name)
            for g in candidates where !known.contains(g) { throw WorldConfigurationError(problems: [Self.unknown("group", g, known)]) }
            members = { g in catalog.emoji(inGroup: g).filter { renders($0.codePoint) } }
        case .taxonomic:
            let known = catalog.groups.map(\.name)
            guard let group = catalog.groups.first(where: { $0.name == config.group }) else {
                throw WorldConfigurationError(problems: [Self.unknown("group", config.group, known)])
            }
            candidates = config.subgroups ?? (config.group == "Animals & Nature" ? Self.taxonomicSubgroups : group.subgroups)
            for s in candidates where !group.subgroups.contains(s) {
                throw WorldConfigurationError(problems: [Self.unknown("subgroup of \(config.group)", s, group.subgroups)])
            }
            members = { s in catalog.emoji(inSubgroup: s).filter { renders($0.codePoint) } }
        }
        if Set(candidates).count != candidates.count {
            throw WorldConfigurationError(problems: ["\(config.family == .semantic ? "groups" : "subgroups"): a name appears twice"])
        }
        guard candidates.count >= count else {
            throw WorldConfigurationError(problems: [
                "the \(config.family.rawValue) family has \(candidates.count) \(config.family == .semantic ? "groups" : "subgroups") "
                    + "(\(candidates.joined(separator: ", "))); \(config.trained) trained and \(config.heldOut) held-out environments need \(count)"])
        }
        let worldKey = RandomKey("clvbench-emoji", .int(config.seed))
        var pick = RandomStream(key: worldKey.child("environments"))
        let chosen = pick.permutation(candidates.count).prefix(count).map { candidates[$0] }
        return try chosen.map { source in
            let pool = members(source)
            guard pool.count >= config.classes else {
                throw WorldConfigurationError(problems: [
                    "classes: \(config.classes) per environment, but \(config.family == .semantic ? "group" : "subgroup") '\(source)' holds \(pool.count) emoji"])
            }
            return (source, pool)
        }
    }

    /// An environment's classes: its source's subgroups in a seeded order, each subgroup's emoji
    /// in a seeded order, the first `count` of that sequence (so they fill from one subgroup and
    /// spill into the next only when it runs out), returned in catalog order. A semantic
    /// environment is then a coherent set inside its group ("faces of concern", "ground
    /// transport"), as a COCO supercategory is, rather than a sample that averages its group out;
    /// a taxonomic environment is one subgroup, so this is a plain seeded draw from it.
    static func pickClasses(_ pool: [EmojiCatalog.Emoji], count: Int, _ s: inout RandomStream) -> [EmojiCatalog.Emoji] {
        var subgroups: [String] = []
        for e in pool where subgroups.last != e.subgroup && !subgroups.contains(e.subgroup) { subgroups.append(e.subgroup) }
        var order: [Int] = []
        for g in s.permutation(subgroups.count) {
            let members = pool.indices.filter { pool[$0].subgroup == subgroups[g] }
            order += s.permutation(members.count).map { members[$0] }
        }
        return order.prefix(count).sorted().map { pool[$0] }
    }

    /// Every check `init` makes that needs the catalog and the font file but no rendering.
    public static func problems(_ config: Config) -> [String] {
        let p = config.problems()
        guard p.isEmpty else { return p }
        do {
            let catalog = try EmojiCatalog(path: config.data)
            _ = try EmojiFont.shared(path: config.font)
            _ = try environments(config, catalog) { _ in true }
            return []
        } catch let e as WorldConfigurationError {
            return e.problems
        } catch {
            return ["\(error)"]
        }
    }

    static func unknown(_ what: String, _ name: String, _ known: [String]) -> String {
        let hint = closestName(name, among: known).map { "; did you mean '\($0)'?" } ?? ""
        return "unknown \(what) '\(name)'\(hint) (known: \(known.joined(separator: ", ")))"
    }

    /// "a cat face", "an apple".
    public static func articled(_ name: String) -> String {
        guard let first = name.lowercased().first else { return name }
        return ("aeiou".contains(first) ? "an " : "a ") + name
    }

    public static func fill(_ template: String, _ name: String) -> String {
        template.replacingOccurrences(of: "{a-name}", with: articled(name)).replacingOccurrences(of: "{name}", with: name)
    }

    public var vocabularyWords: [String] { vocabulary }

    /// Caption under the language dial: the environment's own template with probability 1 - sl,
    /// otherwise any template.
    public func sample(environment e: Int, split: Split, index: Int) -> Sample {
        var s = RandomStream(key: sampleKeys[e], substream: (UInt64(index) << 1) | (split == .train ? 0 : 1))
        let label = s.int(below: classes[e].count)
        let emoji = classes[e][label]
        let image = EmojiComposer.render(font.glyph(emoji.codePoint)!, size: config.imageSize, domain: domains[e], &s)
        let t = s.uniformDouble() < 1 - similarity.sl ? ownTemplates[e] : s.int(below: Self.templates.count)
        return Sample(image: image, caption: Self.fill(Self.templates[t], emoji.name), label: label)
    }

    /// Any emoji of any group, a random domain, any template; reads only `config.pretrainingMixture`
    /// (and the catalog and font it names).
    public func pretrainingSample(index: Int) -> Sample {
        let m = config.pretrainingMixture
        var s = RandomStream(key: RandomKey("clvbench-emoji-pretraining", .int(m.pretrainingSeed)), substream: UInt64(index))
        let label = s.int(below: mixture.count)
        let emoji = mixture[label]
        let domain = EmojiDomain.base.interpolated(toward: EmojiDomain.own(key: RandomKey(value: s.nextUInt64())), by: s.uniform())
        let image = EmojiComposer.render(font.glyph(emoji.codePoint)!, size: m.imageSize, domain: domain, &s)
        let t = s.int(below: Self.templates.count)
        return Sample(image: image, caption: Self.fill(Self.templates[t], emoji.name), label: label)
    }
}
