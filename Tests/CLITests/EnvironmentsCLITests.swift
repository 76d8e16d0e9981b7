import Foundation
import Testing

@Suite(.serialized)
struct EnvironmentsCLITests {
    @Test func writesASheetAndCaptionsPerEnvironment() throws {
        let dir = try CLI.temporaryDirectory()
        let r = try CLI.run(["environments", "benchmarks/smoke.yaml", "--out", dir.path, "--count", "6"])
        #expect(r.status == 0, "\(r.stderr)")
        for name in ["env1", "env2", "env3", "heldout1"] {
            let png = try Data(contentsOf: dir.appendingPathComponent("\(name).png"))
            #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            let text = try String(contentsOf: dir.appendingPathComponent("\(name).txt"), encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(lines.count == 3 + 6 && lines[0].contains(name))
        }
        let procedural = try CLI.run(["environments", "procedural", "--sv", "0", "--out", dir.appendingPathComponent("p").path, "--count", "2"])
        #expect(procedural.status == 0 && procedural.stdout.split(separator: "\n").count == 5)
        let bad = try CLI.run(["environments", "nope", "--out", dir.path])
        #expect(bad.status == 2)
        let badSuite = try CLI.run(["environments", "Tests/HarnessTests/BadSuites/unknown-key.yaml", "--out", dir.path])
        #expect(badSuite.status == 2 && badSuite.stderr.contains("unknown-key.yaml:7:1: sead"))
    }

    /// Two processes write the same bytes; captions name the class; bad input writes nothing.
    @Test func emojiSheetsAreTheSameInTwoProcesses() throws {
        let dir = try CLI.temporaryDirectory()
        var outputs: [[Data]] = []
        for run in ["a", "b"] {
            let r = try CLI.run(["environments", "emoji", "--family", "taxonomic", "--count", "4", "--out", dir.appendingPathComponent(run).path])
            #expect(r.status == 0, "\(r.stderr)")
            let names = ["env1", "env2", "env3", "env4", "env5", "heldout1"]
            outputs.append(try names.flatMap { n in try ["png", "txt"].map { try Data(contentsOf: dir.appendingPathComponent("\(run)/\(n).\($0)")) } })
        }
        #expect(outputs[0] == outputs[1])
        let text = try String(contentsOf: dir.appendingPathComponent("a/env1.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines[1].hasPrefix("# class prompts: an emoji of "))
        for line in lines.dropFirst(3) {
            let cols = line.split(separator: "\t")
            #expect(cols.count == 3 && cols[2].contains(cols[1]), "\(line)")
        }
        let badFamily = try CLI.run(["environments", "emoji", "--family", "taxonomix", "--out", dir.appendingPathComponent("c").path])
        #expect(badFamily.status == 2)
        let badSuite = try CLI.run(["environments", "Tests/HarnessTests/BadSuites/emoji-unknown-group.yaml", "--out", dir.appendingPathComponent("d").path])
        #expect(badSuite.status == 2 && badSuite.stderr.contains("did you mean 'Food & Drink'?"), "\(badSuite.stderr)")
        let badFont = try CLI.run(["environments", "Tests/HarnessTests/BadSuites/emoji-not-a-colour-font.yaml", "--out", dir.appendingPathComponent("e").path])
        #expect(badFont.status == 2 && badFont.stderr.contains("not a colour bitmap font"), "\(badFont.stderr)")
        for d in ["c", "d", "e"] { #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(d).path)) }
    }
}
