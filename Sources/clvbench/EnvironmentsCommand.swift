import ArgumentParser
import Environments
import Foundation
import Harness

/// `clvbench environments PRESET --out DIR`: contact sheets of what the model sees.
struct EnvironmentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "environments",
        abstract: "Write a contact sheet (PNG) and the captions of every environment.",
        discussion: """
            SUITE-OR-PRESET is a suite file (its world; --sv and --sl default to the suite's \
            first similarity setting), `procedural` (the default shapes world: 4 trained and 1 \
            held-out environment of 4 classes), `fashion` (Fashion-MNIST from Debian's \
            dataset-fashion-mnist, 5 class pairs, the last held out) or `emoji` (Noto Color \
            Emoji under their CLDR names, from Debian's fonts-noto-color-emoji and unicode-data: \
            5 trained and 1 held-out environment of 8 classes; --family semantic or taxonomic). \
            For each environment, DIR gets NAME.png (a grid of images) and NAME.txt (class \
            prompts and the caption of each image, in grid order). --sv and --sl set the vision \
            and language similarity.

            Example: clvbench environments procedural --sv 0 --out /tmp/sheets
            Example: clvbench environments emoji --family taxonomic --out /tmp/sheets --scores
            """)

    @Argument(help: "A suite file, or procedural, fashion or emoji.")
    var preset: String

    @Option(help: "Directory to write into (created if missing; existing sheets are replaced).")
    var out: String

    @Option(help: "Vision similarity in [0, 1] (default 0.5, or the suite's first setting).")
    var sv: Double?

    @Option(help: "Language similarity in [0, 1] (default 0.5, or the suite's first setting).")
    var sl: Double?

    @Option(help: "World seed of a preset.")
    var seed = 0

    @Option(help: "Emoji family of the emoji preset: semantic (one top-level group per environment) or taxonomic (subgroups of Animals & Nature).")
    var family: EmojiWorld.Family?

    @Option(help: "Images per sheet.")
    var count = 64

    @Option(help: "Pixels per image pixel in the sheet.")
    var zoom = 3

    @Option(help: "Which samples the sheet shows.")
    var split: Split = .evaluation

    @Flag(help: "Also pretrain (cached under results/cache) and print the pretrained model's zero-shot accuracy per environment and the spread (σ) of its contribution scores over ordered pairs of trained environments (DESIGN.md section 10).")
    var scores = false

    func validate() throws {
        guard (0...1).contains(sv ?? 0.5), (0...1).contains(sl ?? 0.5) else { throw ValidationError("--sv and --sl must be in [0, 1]") }
        guard (1...1024).contains(count) else { throw ValidationError("--count must be in 1...1024") }
        guard (1...16).contains(zoom) else { throw ValidationError("--zoom must be in 1...16") }
        // A manifest world has no preset: it is named by a suite's world.path.
        let presets = WorldDescription.kinds.filter { $0 != "manifest" }
        guard presets.contains(preset) || isSuite else {
            throw ValidationError("unknown preset '\(preset)': expected a suite file (.yaml), \(presets.joined(separator: ", "))")
        }
        if family != nil && preset != "emoji" { throw ValidationError("--family is for the emoji preset (a suite names its family under world:)") }
    }

    var isSuite: Bool { preset.hasSuffix(".yaml") || preset.hasSuffix(".yml") }

    /// The preset's world with its defaults and the given seed.
    var presetWorld: WorldDescription {
        switch preset {
        case "fashion":
            var c = FashionWorld.Config()
            c.seed = seed
            return .fashion(c, directory: FashionMNIST.defaultDirectory)
        case "emoji":
            var c = EmojiWorld.Config()
            c.seed = seed
            c.family = family ?? .semantic
            return .emoji(c)
        default:
            var c = ProceduralWorldConfig()
            c.seed = seed
            return .procedural(c)
        }
    }

    func run() throws {
        var similarity = SimilaritySetting(sv: sv ?? 0.5, sl: sl ?? 0.5)
        var settings = ExperimentSettings()
        if isSuite {
            let suite = try loadSuite(preset)
            let first = suite.similarities[0]
            similarity = SimilaritySetting(sv: sv ?? first.sv, sl: sl ?? first.sl)
            settings = suite.settings
        } else {
            settings.world = presetWorld
        }
        let world: any EnvironmentWorld
        do {
            world = try settings.world.makeWorld(similarity: similarity)
        } catch {
            // A missing dataset or a world that cannot be built: the message, exit 2, nothing written.
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let dir = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let sheet = ContactSheet(count: count, zoom: zoom)
        for (e, info) in world.environments.enumerated() {
            let (png, captions) = sheet.render(world: world, environment: e, split: split)
            // Write beside, then rename: a reader never sees half a file.
            for (data, ext) in [(png, "png"), (Data(captions.utf8), "txt")] {
                let url = dir.appendingPathComponent("\(info.name).\(ext)")
                try data.write(to: url, options: .atomic)
            }
            print(dir.appendingPathComponent("\(info.name).png").path)
        }
        if scores { try printScores(settings, similarity) }
    }

    func printScores(_ settings: ExperimentSettings, _ similarity: SimilaritySetting) throws {
        let prepared = try PreparedWorld(settings: settings, similarity: similarity) { msg in
            FileHandle.standardError.write(Data((msg + "\n").utf8))
        }
        let r = prepared.pretrainedRegime
        for z in r.zeroShot {
            print(String(format: "zero-shot %@ %.4f (chance %.4f)", z.environment, z.accuracy, z.chance))
        }
        print(String(format: "sigma over %d ordered pairs: cross (I->T) %.5f  vision (I->I) %.5f  language (T->T) %.5f",
                     r.pairs.count, r.sigmaCross, r.sigmaVision, r.sigmaLanguage))
    }
}

extension EmojiWorld.Family: ExpressibleByArgument {}
extension Split: ExpressibleByArgument {}
