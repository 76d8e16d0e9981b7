import Environments
import Foundation
import Testing

/// Manifest worlds with JPEG images: ManifestCLITests' dataset with environment a (and held-out c)
/// re-encoded as .jpg files by libjpeg, b left as PNG; a run over the mix; a truncated or corrupt
/// JPEG named by a row refused with file:line, exit 2, nothing written.
@Suite(.serialized)
struct ManifestJPEGCLITests {
    /// Rewrites every image of `environments` as a JPEG beside it (.jpg) and points the CSVs at it.
    func jpegDataset(_ environments: [String] = ["a", "c"]) throws -> URL {
        let dir = try ManifestCLITests().dataset()
        for name in environments {
            for split in ["train", "eval"] {
                let csvURL = dir.appendingPathComponent("\(name)-\(split).csv")
                var csv = try String(contentsOf: csvURL, encoding: .utf8)
                let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("img/\(name)").path).filter { $0.hasPrefix(split) && $0.hasSuffix(".png") }
                for file in files {
                    let png = dir.appendingPathComponent("img/\(name)/\(file)")
                    let image = try PNG.decode(file: png.path)
                    let jpg = png.deletingPathExtension().appendingPathExtension("jpg")
                    try JPEG.encode(width: image.width, height: image.height, pixels: image.rgb, quality: 95).write(to: jpg)
                    try FileManager.default.removeItem(at: png)
                    csv = csv.replacingOccurrences(of: "img/\(name)/\(file),", with: "img/\(name)/\(jpg.lastPathComponent),")
                }
                try csv.write(to: csvURL, atomically: true, encoding: .utf8)
            }
        }
        return dir
    }

    @Test func aSuiteOverJPEGAndPNGImagesRuns() throws {
        let dir = try jpegDataset()
        #expect(try String(contentsOf: dir.appendingPathComponent("a-train.csv"), encoding: .utf8).contains("img/a/train0.jpg,red,"))
        let suite = dir.appendingPathComponent("suite.yaml").path, db = dir.appendingPathComponent("r.sqlite").path
        let r = try CLI.run(["run", suite, "--db", db, "--json", "--quiet", "--no-report"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(summary?["done"] as? Int == 2, "\(r.stdout)")
        // The colour is the class and JPEG keeps colour: fine-tuning on a learns it as it does from PNGs.
        let rows = try CLI.run(["export", "--format", "jsonl", "--db", db]).stdout.split(separator: "\n")
        #expect(rows.count == 2)
        for row in rows {
            let acc = (try JSONSerialization.jsonObject(with: Data(row.utf8)) as! [String: Any])["accuracy"] as! [[Double]]
            #expect(acc.count == 3 && acc.allSatisfy { $0.count == 3 && $0.allSatisfy { (0...1).contains($0) } })
        }
    }

    @Test func aTruncatedJPEGIsRefusedWithItsRow() throws {
        let dir = try jpegDataset(["b"])
        let f = dir.appendingPathComponent("img/b/eval1.jpg")
        let bytes = try Data(contentsOf: f)
        try bytes.prefix(bytes.count / 2).write(to: f)
        try refused(dir, "b-eval.csv:3: path: \(f.path): malformed JPEG (", "Premature end of JPEG file")
    }

    @Test func aCorruptJPEGHeaderIsRefusedWithItsRow() throws {
        let dir = try jpegDataset(["b"])
        let f = dir.appendingPathComponent("img/b/train2.jpg")
        var bytes = [UInt8](try Data(contentsOf: f))
        let sof = (0..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }!
        bytes[sof + 4] = 12   // 12-bit samples: not what an 8-bit libjpeg reads
        try Data(bytes).write(to: f)
        try refused(dir, "b-train.csv:4: path: \(f.path): malformed JPEG (header: ", "Unsupported JPEG data precision 12")
    }

    func refused(_ dir: URL, _ at: String, _ message: String) throws {
        let db = dir.appendingPathComponent("bad.sqlite")
        let r = try CLI.run(["run", dir.appendingPathComponent("suite.yaml").path, "--db", db.path, "--quiet", "--no-report"], cwd: dir)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains(at) && r.stderr.contains(message), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db.path))
    }
}
