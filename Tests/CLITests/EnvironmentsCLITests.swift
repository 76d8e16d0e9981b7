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
}
