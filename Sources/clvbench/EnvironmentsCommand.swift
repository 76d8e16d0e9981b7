import ArgumentParser
import Environments
import Foundation

/// `clvbench environments PRESET --out DIR`: contact sheets of what the model sees.
struct EnvironmentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "environments",
        abstract: "Write a contact sheet (PNG) and the captions of every environment.",
        discussion: """
            SUITE-OR-PRESET is a suite file (its world; --sv and --sl default to the suite's \
            first similarity setting), `procedural` (the default shapes world: 4 trained and 1 \
            held-out environment of 4 classes) or `fashion` (Fashion-MNIST from Debian's \
            dataset-fashion-mnist, 5 class pairs, the last held out). For each environment, \
            DIR gets NAME.png (a grid of images) and NAME.txt (class prompts and the caption of \
            each image, in grid order). --sv and --sl set the vision and language similarity.

            Example: clvbench environments procedural --sv 0 --out /tmp/sheets
            """)

    @Argument(help: "A suite file, or procedural or fashion.")
    var preset: String

    @Option(help: "Directory to write into (created if missing; existing sheets are replaced).")
    var out: String

    @Option(help: "Vision similarity in [0, 1] (default 0.5, or the suite's first setting).")
    var sv: Double?

    @Option(help: "Language similarity in [0, 1] (default 0.5, or the suite's first setting).")
    var sl: Double?

    @Option(help: "World seed.")
    var seed = 0

    @Option(help: "Images per sheet.")
    var count = 64

    @Option(help: "Pixels per image pixel in the sheet.")
    var zoom = 3

    @Option(help: "Which samples the sheet shows.")
    var split: Split = .evaluation

    func validate() throws {
        guard (0...1).contains(sv ?? 0.5), (0...1).contains(sl ?? 0.5) else { throw ValidationError("--sv and --sl must be in [0, 1]") }
        guard (1...1024).contains(count) else { throw ValidationError("--count must be in 1...1024") }
        guard (1...16).contains(zoom) else { throw ValidationError("--zoom must be in 1...16") }
        guard ["procedural", "fashion"].contains(preset) || isSuite else {
            throw ValidationError("unknown preset '\(preset)': expected a suite file (.yaml), procedural or fashion")
        }
    }

    var isSuite: Bool { preset.hasSuffix(".yaml") || preset.hasSuffix(".yml") }

    func run() throws {
        var similarity = SimilaritySetting(sv: sv ?? 0.5, sl: sl ?? 0.5)
        let world: EnvironmentWorld
        do {
            if isSuite {
                let suite = try loadSuite(preset)
                let first = suite.similarities[0]
                similarity = SimilaritySetting(sv: sv ?? first.sv, sl: sl ?? first.sl)
                world = try suite.world.makeWorld(similarity: similarity)
            } else if preset == "fashion" {
                var config = FashionWorld.Config()
                config.seed = seed
                world = try FashionWorld(config: config, similarity: similarity, data: try FashionMNIST())
            } else {
                var config = ProceduralWorldConfig()
                config.seed = seed
                world = try ProceduralWorld(config: config, similarity: similarity)
            }
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
    }
}

extension Split: ExpressibleByArgument {}
