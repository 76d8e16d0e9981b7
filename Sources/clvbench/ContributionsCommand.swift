import Analysis
import ArgumentParser
import Foundation

/// `clvbench contributions --embeddings DIR`: every contribution score of embeddings from any model.
struct Contributions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cross-modal contribution scores of per-checkpoint embeddings.",
        discussion: """
            DIR holds manifest.json and .npy files of image and caption embeddings per checkpoint \
            and environment (layout: docs/embeddings.md). Prints, per checkpoint, each \
            environment's matched alignment, modality gap, IIMM and drift from the previous \
            checkpoint, the scores SV, SL, SX of every environment pair, and, for checkpoints \
            that name the environment they trained, that stage's scores against each earlier one.

            Example: clvbench contributions --embeddings examples/embeddings
            """)

    @Option(help: "Directory with manifest.json and the .npy files it names.")
    var embeddings: String

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    func run() throws {
        let dir = URL(fileURLWithPath: embeddings)
        let manifestURL = dir.appendingPathComponent("manifest.json")
        guard let manifestData = FileManager.default.contents(atPath: manifestURL.path) else {
            throw InputError("\(manifestURL.path): not found (an embeddings directory needs a manifest.json; see docs/embeddings.md)")
        }
        let report: ContributionReport
        do {
            let manifest = try EmbeddingManifest.decode(manifestData)
            report = try ContributionReport.compute(manifest, array: { name in
                let path = dir.appendingPathComponent(name).path
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw EmbeddingsError("\(name): file not found in \(dir.path)")
                }
                return try NPY.read(path: path)
            })
        } catch let e as EmbeddingsError {
            throw InputError("\(embeddings)/\(e.message)")
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
            return
        }
        func f(_ v: Double?) -> String { v.map { String(format: "%7.4f", $0) } ?? "      -" }
        for cp in report.checkpoints {
            print("stage \(cp.stage)" + (cp.trained.map { " (trained \($0))" } ?? ""))
            print("  environment            n  align    gap   IIMM     DV     DL")
            for e in cp.environments {
                print("  \(e.environment.padding(toLength: 16, withPad: " ", startingAt: 0)) \(String(format: "%5d", e.n)) "
                    + "\(f(e.matchedAlignment)) \(f(e.modalityGap)) \(f(e.iimm)) \(f(e.driftVision)) \(f(e.driftLanguage))")
            }
            print("  a / b                               SV      SL  SX(a,b) SX(b,a)")
            for p in cp.pairs {
                let pair = "\(p.a) / \(p.b)".padding(toLength: 32, withPad: " ", startingAt: 0)
                print("  \(pair) \(f(p.scores.vision)) \(f(p.scores.language)) \(f(p.scores.crossAB)) \(f(p.scores.crossBA))")
            }
        }
        if !report.stageContributions.isEmpty {
            print("stage contributions (scores at t-1 between earlier e_s and trained e_t; drift at t)")
            for c in report.stageContributions {
                print("  stage \(c.stage) \(c.trained) -> \(c.earlier): SV \(f(c.sv)) SL \(f(c.sl)) "
                    + "SX(s,t) \(f(c.sxEarlierTrained)) SX(t,s) \(f(c.sxTrainedEarlier)) DV \(f(c.driftVision)) DL \(f(c.driftLanguage))")
            }
        }
    }
}
