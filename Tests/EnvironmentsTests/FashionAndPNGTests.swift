import Foundation
import Testing
@testable import Environments

/// Tiny IDX files written by the test, gzipped, in a temporary directory.
struct FashionTests {
    func idx(_ dims: [Int], _ body: [UInt8]) -> Data {
        var d = Data([0, 0, 0x08, UInt8(dims.count)])
        for v in dims { d.append(contentsOf: [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]) }
        d.append(contentsOf: body)
        return d
    }

    /// n images of 28x28 where image i is filled with value 10 * label, labels cycling 0...9.
    func writeDataset(_ n: Int, truncateImages: Bool = false) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fmnist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let labels = (0..<n).map { UInt8($0 % 10) }
        var pixels = labels.flatMap { [UInt8](repeating: $0 * 20 + 5, count: 28 * 28) }
        if truncateImages { pixels.removeLast(100) }
        for prefix in ["train", "t10k"] {
            try Gzip.compress(idx([n, 28, 28], pixels)).write(to: dir.appendingPathComponent("\(prefix)-images-idx3-ubyte.gz"))
            try Gzip.compress(idx([n], labels)).write(to: dir.appendingPathComponent("\(prefix)-labels-idx1-ubyte.gz"))
        }
        return dir.path
    }

    @Test func loadsTinyFilesAndBuildsEnvironments() throws {
        let data = try FashionMNIST(directory: try writeDataset(40))
        #expect(data.train.count == 40 && data.train.rows == 28 && data.test.labels[13] == 3)
        var config = FashionWorld.Config()
        config.imageSize = 16
        let w = try FashionWorld(config: config, similarity: SimilaritySetting(sv: 1, sl: 1), data: data)
        #expect(w.environments.count == 5 && w.environments[4].heldOut)
        #expect(w.environments[1].classNames == ["Pullover", "Dress"])
        #expect(w.environments[1].classPrompts == ["a photo of a pullover", "a photo of a dress"])
        for i in 0..<20 {
            let s = w.sample(environment: 1, split: .train, index: i)
            let cls = [2, 3][s.label]
            // sv = 1 is the identity domain: the flat image keeps its grey value (bilinear of a
            // constant, zero outside the border only at the edges).
            let centre = s.image[(8 * 16 + 8) * 3]
            #expect(abs(centre - Float(cls * 20 + 5) / 255) < 1e-5)
            #expect(s.caption.contains(["pullover", "dress"][s.label]))
        }
        #expect(w.sample(environment: 0, split: .evaluation, index: 3) == w.sample(environment: 0, split: .evaluation, index: 3))
    }

    @Test func missingPackageIsNamed() {
        do {
            _ = try FashionMNIST(directory: FashionMNIST.defaultDirectory + "-absent")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("train-images-idx3-ubyte.gz is missing"))
            #expect("\(error)".contains("dataset-fashion-mnist"))
        }
    }

    @Test func truncatedAndMalformedFilesAreNamed() throws {
        let dir = try writeDataset(10, truncateImages: true)
        do {
            _ = try FashionMNIST(directory: dir)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("train-images-idx3-ubyte.gz: header says 10x28x28 = 7840 bytes, file holds 7740 (truncated)"), "\(error)")
        }
        try Data("not gzip at all".utf8).write(to: URL(fileURLWithPath: dir + "/train-labels-idx1-ubyte.gz"))
        #expect(throws: FashionMNIST.LoadError.self) { try IDX.read(path: dir + "/train-labels-idx1-ubyte.gz", expectDimensions: 1) }
        #expect(throws: FashionMNIST.LoadError(description: "x: not an unsigned-byte IDX file (magic 00 00 0d 01)")) {
            try IDX.parse([0, 0, 0x0d, 1, 0, 0, 0, 0], name: "x", expectDimensions: 1)
        }
    }
}

struct PNGTests {
    /// Bitwise CRC-32 (IEEE), independent of zlib's table-driven one.
    func crc32Naive(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xedb8_8320 : c >> 1 }
        }
        return ~c
    }

    @Test func encodesAValidPNG() throws {
        let w = 3, h = 2
        let rgb: [UInt8] = (0..<(w * h * 3)).map { UInt8($0 * 10) }
        let png = [UInt8](PNG.encode(width: w, height: h, rgb: rgb))
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var o = 8
        var chunks: [(String, [UInt8])] = []
        while o < png.count {
            let len = Int(png[o]) << 24 | Int(png[o + 1]) << 16 | Int(png[o + 2]) << 8 | Int(png[o + 3])
            let type = String(decoding: png[(o + 4)..<(o + 8)], as: UTF8.self)
            let body = Array(png[(o + 8)..<(o + 8 + len)])
            let crc = png[(o + 8 + len)..<(o + 12 + len)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(crc == crc32Naive(Array(type.utf8) + body), "CRC of \(type)")
            chunks.append((type, body))
            o += 12 + len
        }
        #expect(chunks.map(\.0) == ["IHDR", "IDAT", "IEND"])
        #expect(chunks[0].1 == [0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0])
        let raw = [UInt8](try Gzip.decompress(Data(chunks[1].1)))
        #expect(raw == [0] + Array(rgb[0..<9]) + [0] + Array(rgb[9..<18]))
    }
}
