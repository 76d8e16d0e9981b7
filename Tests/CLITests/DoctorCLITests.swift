import Foundation
import Testing

@Suite(.serialized)
struct DoctorCLITests {
    @Test func doctorJSONReportsAWorkingBLAS() throws {
        let r = try CLI.run(["doctor", "--json", "--n", "128"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(obj["sgemmCheckPassed"] as? Bool == true)
        #expect((obj["sgemmGFLOPS"] as? Double ?? 0) > 0)
        #expect((obj["openblasCore"] as? String ?? "unknown") != "unknown")
        #expect((obj["sqliteVersion"] as? String ?? "").hasPrefix("3."))
        #expect((obj["libxml2Version"] as? String ?? "").hasPrefix("2."))
        #expect(obj["openblasThreads"] as? Int == 1)
    }

    @Test func doctorTextNamesEachCheck() throws {
        let r = try CLI.run(["doctor", "--n", "64"])
        #expect(r.status == 0)
        for key in ["OpenBLAS core", "sgemm check", "SQLite", "libxml2", "Fashion-MNIST"] {
            #expect(r.stdout.contains(key))
        }
    }

    @Test func usageErrorsExitTwo() throws {
        let unknown = try CLI.run(["frobnicate"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("Usage") || unknown.stderr.contains("Unexpected"))
        let badOption = try CLI.run(["doctor", "--no-such-option"])
        #expect(badOption.status == 2)
        let badValue = try CLI.run(["doctor", "--n", "0"])
        #expect(badValue.status == 2)
        #expect(badValue.stderr.contains("--n"))
    }

    @Test func helpTeachesAndExitsZero() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("doctor"))
    }
}
