import Foundation
import Testing
@testable import Environments

/// The decoder against the repo's own encoder, bad files, and the resize against a brute-force
/// reference.
struct PNGDecoderTests {
    func temporaryFile(_ name: String, _ bytes: Data) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }

    /// Pseudo-random bytes from a fixed LCG, so every channel value occurs.
    func pattern(_ count: Int, seed: UInt32) -> [UInt8] {
        var x = seed
        return (0..<count).map { _ in x = x &* 1_664_525 &+ 1_013_904_223; return UInt8(x >> 24) }
    }

    @Test func roundTripsTheEncoderPixelForPixel() throws {
        for (w, h) in [(1, 1), (7, 3), (31, 17), (64, 64)] {
            let rgb = pattern(w * h * 3, seed: UInt32(w * 100 + h))
            let path = try temporaryFile("img.png", PNG.encode(width: w, height: h, rgb: rgb))
            let image = try PNG.decode(file: path)
            #expect(image.width == w && image.height == h)
            #expect(image.rgb == rgb)
        }
    }

    @Test func refusesATruncatedFileNamingIt() throws {
        let full = PNG.encode(width: 20, height: 20, rgb: pattern(1200, seed: 3))
        for keep in [8, 20, 40, full.count - 20] {
            let path = try temporaryFile("cut.png", full.prefix(keep))
            #expect {
                _ = try PNG.decode(file: path)
            } throws: { error in
                let e = error as? ImageFileError
                return e?.path == path && e!.description.hasPrefix(path + ": malformed PNG")
            }
        }
    }

    @Test func refusesANonPNGAndAMissingFileNamingThem() throws {
        let path = try temporaryFile("notes.png", Data("path,label,caption\n".utf8))
        #expect(throws: ImageFileError(path: path, reason: "not a PNG file (no PNG signature)")) { try PNG.decode(file: path) }
        let missing = path + ".absent"
        #expect(throws: ImageFileError(path: missing, reason: "no such file")) { try PNG.decode(file: missing) }
    }

    @Test func refusesACorruptedChecksum() throws {
        var bytes = [UInt8](PNG.encode(width: 4, height: 4, rgb: pattern(48, seed: 9)))
        bytes[8 + 8 + 13] ^= 0xff  // IHDR's CRC
        let path = try temporaryFile("crc.png", Data(bytes))
        #expect(throws: ImageFileError.self) { try PNG.decode(file: path) }
    }

    /// Brute force: replicate each source pixel n x n times, so the centre square becomes
    /// (side * n)^2 pixels, and average each output pixel's side x side block of it.
    func naiveResize(_ image: RGBImage, _ n: Int) -> [Float] {
        let side = min(image.width, image.height)
        let x0 = (image.width - side) / 2, y0 = (image.height - side) / 2
        var out = [Float](repeating: 0, count: n * n * 3)
        for y in 0..<n {
            for x in 0..<n {
                for c in 0..<3 {
                    var sum = 0
                    for v in (y * side)..<((y + 1) * side) {
                        for u in (x * side)..<((x + 1) * side) {
                            sum += Int(image.rgb[((y0 + v / n) * image.width + x0 + u / n) * 3 + c])
                        }
                    }
                    out[(y * n + x) * 3 + c] = Float(Double(sum) / Double(side * side) / 255)
                }
            }
        }
        return out
    }

    @Test func resizeMatchesBruteForceAreaAverage() {
        for (w, h, n) in [(9, 9, 4), (10, 7, 3), (5, 12, 8), (3, 3, 7), (16, 16, 16), (13, 11, 5)] {
            let image = RGBImage(width: w, height: h, rgb: pattern(w * h * 3, seed: UInt32(w * h + n)))
            let fast = image.modelInput(size: n), slow = naiveResize(image, n)
            #expect(fast.count == n * n * 3)
            #expect(zip(fast, slow).allSatisfy { abs($0 - $1) < 1e-5 }, "\(w)x\(h) -> \(n)")
        }
        // Equal sizes are the identity (bytes / 255), and a flat image stays flat.
        let same = RGBImage(width: 2, height: 2, rgb: [0, 51, 255, 102, 153, 204, 1, 2, 3, 4, 5, 6])
        #expect(same.modelInput(size: 2) == same.rgb.map { Float($0) / 255 })
        let flat = RGBImage(width: 6, height: 4, rgb: [UInt8](repeating: 128, count: 72))
        #expect(flat.modelInput(size: 3).allSatisfy { abs($0 - 128 / 255) < 1e-6 })
    }
}
