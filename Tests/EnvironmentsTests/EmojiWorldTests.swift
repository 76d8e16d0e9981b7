import Foundation
import Testing
@testable import Environments

/// The emoji world on Debian's data (fonts-noto-color-emoji, unicode-data), and its parser on
/// excerpts the tests write.
@Suite(.serialized)
struct EmojiWorldTests {
    static let excerpt = """
        # group: Smileys & Emotion

        # subgroup: face-smiling
        1F600                                                  ; fully-qualified     # 😀 E1.0 grinning face
        263A FE0F                                              ; fully-qualified     # ☺️ E0.6 smiling face
        263A                                                   ; unqualified         # ☺ E0.6 smiling face
        # subgroup: cat-face
        1F408 200D 2B1B                                        ; fully-qualified     # 🐈‍⬛ E13.0 black cat
        1F63A                                                  ; fully-qualified     # 😺 E0.6 grinning cat
        # group: Component
        # subgroup: skin-tone
        1F3FB                                                  ; component           # 🏻 E1.0 light skin tone

        """

    @Test func parsesGroupsSubgroupsAndKeepsSingleGlyphEmoji() throws {
        let c = try EmojiCatalog(text: Self.excerpt, file: "x.txt")
        #expect(c.emoji == [
            .init(codePoint: 0x1F600, group: "Smileys & Emotion", subgroup: "face-smiling", name: "grinning face"),
            .init(codePoint: 0x263A, group: "Smileys & Emotion", subgroup: "face-smiling", name: "smiling face"),
            .init(codePoint: 0x1F63A, group: "Smileys & Emotion", subgroup: "cat-face", name: "grinning cat"),
        ])
        #expect(c.groups.map(\.name) == ["Smileys & Emotion", "Component"])
        #expect(c.groups.map(\.subgroups) == [["face-smiling", "cat-face"], ["skin-tone"]])
    }

    @Test(arguments: [
        ("# group: G\n# subgroup: s\n1F600 ; fully-qualified # 😀 E1.0 a\nnot a line\n", "x.txt:4: expected 'code points ; status"),
        ("# group: G\n# subgroup: s\n1F600 ; almost-qualified # 😀 E1.0 a\n", "x.txt:3: unknown status 'almost-qualified'"),
        ("# group: G\n# subgroup: s\nZZZZ ; fully-qualified # ? E1.0 a\n", "x.txt:3: 'ZZZZ' is not a hexadecimal code point"),
        ("# group: G\n# subgroup: s\n1F600 ; fully-qualified\n", "x.txt:3: missing '# emoji E<version> name'"),
        ("# group: G\n# subgroup: s\n1F600 ; fully-qualified # 😀 grinning face\n", "x.txt:3: expected '# emoji E<version> name'"),
        ("# subgroup: s\n1F600 ; fully-qualified # 😀 E1.0 a\n", "x.txt:1: subgroup 's' before any '# group:' line"),
        ("# group: G\n1F600 ; fully-qualified # 😀 E1.0 a\n", "x.txt:2: an emoji before any '# group:' and '# subgroup:' lines"),
        ("1F600 ; fully-qualified # 😀 E1.0 a\n", "x.txt:1: an emoji before any"),
        ("# just a comment\n", "x.txt: no '# group:' lines"),
    ])
    func malformedExcerptsNameTheLine(text: String, expected: String) {
        do {
            _ = try EmojiCatalog(text: text, file: "x.txt")
            Issue.record("parsed: \(text)")
        } catch {
            #expect("\(error)".hasPrefix(expected), "\(error)")
        }
    }

    /// Counts from Debian's unicode-data 15.0 file, made independently with awk: lines whose
    /// status is fully-qualified and whose code points are one, or one plus FE0F.
    @Test func debianFileHasTheExpectedShape() throws {
        let c = try EmojiCatalog()
        #expect(c.groups.count == 10)
        #expect(c.emoji.count == 1377)
        #expect(c.emoji(inSubgroup: "animal-mammal").count == 63 && c.emoji(inSubgroup: "animal-reptile").count == 8)
        #expect(c.emoji.first?.name == "grinning face")
    }

    @Test func rendersAGlyphWithColourAndTransparentCorners() throws {
        let font = try EmojiFont.shared()
        let g = try #require(font.glyph(0x1F431))  // cat face
        #expect(g.size == EmojiFont.tileSize && g.rgba.count == g.size * g.size * 4)
        #expect(g.sourceWidth == 136 && g.sourceHeight == 128)
        let alpha = stride(from: 3, to: g.rgba.count, by: 4).map { g.rgba[$0] }
        #expect(alpha.reduce(0, +) / Float(alpha.count) > 0.3)
        #expect(alpha[0] == 0 && alpha[g.size - 1] == 0)  // the padding rows of a 136x128 bitmap
        // Premultiplied: no channel exceeds its alpha.
        for p in 0..<(g.size * g.size) { for c in 0..<3 { #expect(g.rgba[p * 4 + c] <= g.rgba[p * 4 + 3] + 1e-6) } }
        #expect(font.glyph(0x41) == nil)  // the font has no glyph for "A"
    }

    @Test func aFontWithoutColourBitmapsIsRefused() throws {
        let path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
        try #require(FileManager.default.fileExists(atPath: path))
        #expect { _ = try EmojiFont.shared(path: path) } throws: { "\($0)".contains("not a colour bitmap font") }
        var c = EmojiWorld.Config()
        c.font = "/nonexistent/NotoColorEmoji.ttf"
        #expect(EmojiWorld.problems(c).first?.contains("Point world.font at NotoColorEmoji.ttf") == true)
    }

    static func world(_ family: EmojiWorld.Family = .semantic, seed: Int = 0, sv: Double = 0.5, sl: Double = 0.5) throws -> EmojiWorld {
        var c = EmojiWorld.Config()
        c.family = family
        c.seed = seed
        return try EmojiWorld(config: c, similarity: SimilaritySetting(sv: sv, sl: sl))
    }

    @Test func samplesArePureFunctionsOfTheirIndex() throws {
        let a = try Self.world(), b = try Self.world()
        let direct = a.sample(environment: 2, split: .train, index: 10_000)
        for i in 0..<5 { _ = b.sample(environment: 1, split: .evaluation, index: i) }
        #expect(b.sample(environment: 2, split: .train, index: 10_000) == direct)
        #expect(a.sample(environment: 2, split: .train, index: 10_001) != direct)
        #expect(a.sample(environment: 2, split: .evaluation, index: 10_000).image != direct.image)
        #expect(a.pretrainingSample(index: 7) == b.pretrainingSample(index: 7))
        #expect(direct.image.count == 24 * 24 * 3 && direct.image.allSatisfy { (0...1).contains($0) })
        let s = a.sample(environment: 0, split: .train, index: 3)
        let name = a.environments[0].classNames[s.label]
        #expect(s.caption.contains(name))
        #expect(a.environments[0].classPrompts[s.label] == EmojiWorld.fill("an emoji of {a-name}", name))
    }

    @Test func semanticEnvironmentsShareNoGroup() throws {
        for seed in 0..<5 {
            let w = try Self.world(.semantic, seed: seed)
            #expect(w.environments.count == 6 && w.trainedEnvironments.count == 5)
            #expect(Set(w.sources).count == 6 && w.sources.allSatisfy(EmojiWorld.semanticGroups.contains))
            for (e, cls) in w.classes.enumerated() {
                #expect(cls.count == 8 && Set(cls).count == 8 && cls.allSatisfy { $0.group == w.sources[e] })
            }
        }
    }

    @Test func taxonomicEnvironmentsShareOneGroupAndNoSubgroup() throws {
        for seed in 0..<5 {
            let w = try Self.world(.taxonomic, seed: seed)
            #expect(Set(w.classes.flatMap { $0.map(\.group) }) == ["Animals & Nature"])
            #expect(Set(w.sources).count == 6)
            for (e, cls) in w.classes.enumerated() { #expect(cls.allSatisfy { $0.subgroup == w.sources[e] }) }
        }
    }

    /// The pretraining mixture keeps the emoji the font maps; a spread of them decodes to colour.
    @Test func theMixtureRenders() throws {
        let w = try Self.world()
        #expect(w.mixture.count == 1377)
        let font = try EmojiFont.shared()
        for e in stride(from: 0, to: w.mixture.count, by: 25).map({ w.mixture[$0] }) {
            let g = try #require(font.glyph(e.codePoint), "\(e.name)")
            #expect(stride(from: 3, to: g.rgba.count, by: 4).contains { g.rgba[$0] > 0.5 }, "\(e.name)")
        }
    }

    @Test func theVocabularyCoversEveryCaption() throws {
        let w = try Self.world(.taxonomic)
        let tok = Tokenizer(words: w.vocabularyWords, maxLength: 32)
        for i in 0..<200 {
            let s = i < 100 ? w.pretrainingSample(index: i) : w.sample(environment: i % 6, split: .train, index: i)
            #expect(!tok.encode(s.caption).contains(Tokenizer.unknown), "\(s.caption)")
        }
    }

    static let badConfigurations: [(@Sendable (inout EmojiWorld.Config) -> Void, String)] = [
        ({ (c: inout EmojiWorld.Config) in c.groups = ["Animals & Natur", "Objects"] }, "unknown group 'Animals & Natur'; did you mean 'Animals & Nature'?"),
        ({ $0.family = .taxonomic; $0.subgroups = ["animal-mamal"] }, "unknown subgroup of Animals & Nature 'animal-mamal'; did you mean 'animal-mammal'?"),
        ({ $0.family = .taxonomic; $0.group = "Food and Drink" }, "unknown group 'Food and Drink'; did you mean 'Food & Drink'?"),
        ({ $0.family = .taxonomic; $0.classes = 30 }, "classes: 30 per environment, but subgroup"),
        ({ $0.classes = 200 }, "classes: 200 per environment, but group"),
        ({ $0.trained = 8; $0.heldOut = 1 }, "the semantic family has 8 groups"),
        ({ $0.family = .taxonomic; $0.trained = 7 }, "the taxonomic family has 7 subgroups"),
    ]

    @Test(arguments: badConfigurations.indices)
    func badConfigurationsAreExplained(index: Int) {
        let (change, expected) = Self.badConfigurations[index]
        var c = EmojiWorld.Config()
        change(&c)
        let p = EmojiWorld.problems(c)
        #expect(p.count == 1 && p[0].hasPrefix(expected), "\(p)")
        #expect(throws: WorldConfigurationError.self) { try EmojiWorld(config: c, similarity: SimilaritySetting(sv: 1, sl: 1)) }
    }
}
