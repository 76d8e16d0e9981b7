import Foundation
import Testing
@testable import Environments

/// The JPEG decoder against values derived by hand from how JPEG codes an image, against the
/// PNG path, and bad files (truncated at every length, corrupt, oversized, not JPEG).
struct JPEGDecoderTests {
    func temporaryFile(_ name: String, _ bytes: Data) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jpeg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }

    /// A grey mosaic of 8x8 blocks, each one value. At quality 100 every quantizer step is 1 and a
    /// flat block has only its DC coefficient, 8 * (v - 128), an integer: the decoder must give
    /// back every value exactly.
    @Test func flatGreyBlocksAtQuality100DecodeExactly() throws {
        let (w, h) = (32, 24)
        var grey = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { grey[y * w + x] = UInt8((37 * (x / 8) + 91 * (y / 8) + 5) % 256) } }
        let image = try JPEG.decode(file: try temporaryFile("grey.jpg", JPEG.encode(width: w, height: h, pixels: grey, grey: true, quality: 100)))
        #expect(image.width == w && image.height == h)
        let expected = grey.flatMap { [$0, $0, $0] }   // grey is expanded to RGB
        #expect(image.rgb == expected)
    }

    /// A flat colour: JPEG stores it as Y, Cb, Cr rounded to integers, so each channel comes back
    /// within 1 of the original at quality 100 (4:4:4 and libjpeg's default 4:2:0 alike, since a
    /// flat image has no chroma detail to lose), and within a few levels at quality 75.
    @Test(arguments: [(200, 40, 40), (40, 60, 200), (0, 0, 0), (255, 255, 255), (12, 250, 128)])
    func aFlatColourComesBackWithinRounding(_ r: Int, _ g: Int, _ b: Int) throws {
        let (w, h) = (19, 13)   // not multiples of the 8- or 16-pixel blocks
        let rgb = (0..<(w * h)).flatMap { _ in [UInt8(r), UInt8(g), UInt8(b)] }
        for (quality, fullChroma, tolerance) in [(100, true, 1), (100, false, 1), (75, false, 4)] {
            let image = try JPEG.decode(JPEG.encode(width: w, height: h, pixels: rgb, quality: quality, fullChroma: fullChroma), path: "flat.jpg")
            #expect(image.width == w && image.height == h)
            let worst = zip(image.rgb, rgb).map { abs(Int($0) - Int($1)) }.max()!
            #expect(worst <= tolerance, "quality \(quality), 4:4:4 \(fullChroma): off by \(worst)")
        }
    }

    /// Progressive and baseline files code the same quantized coefficients, so they decode to the
    /// same pixels; and a smooth image survives quality 95 closely.
    @Test func progressiveAndBaselineDecodeToTheSamePixels() throws {
        let (w, h) = (40, 28)
        var rgb = [UInt8]()
        for y in 0..<h { for x in 0..<w { rgb += [UInt8(x * 6), UInt8(y * 9), UInt8((x + y) * 3)] } }
        let baseline = try JPEG.decode(JPEG.encode(width: w, height: h, pixels: rgb, quality: 95), path: "b.jpg")
        let progressive = try JPEG.decode(JPEG.encode(width: w, height: h, pixels: rgb, quality: 95, progressive: true), path: "p.jpg")
        #expect(baseline == progressive)
        let errors = zip(baseline.rgb, rgb).map { abs(Int($0) - Int($1)) }
        #expect(Double(errors.reduce(0, +)) / Double(errors.count) < 2.0)
        #expect(errors.max()! <= 12)
    }

    /// What a built-in model sees of a JPEG is what it sees of the same image as a PNG, up to the
    /// JPEG's rounding (flat 8x8 blocks of colour at quality 100, 4:4:4).
    @Test func theModelInputMatchesThePNGPath() throws {
        let (w, h) = (32, 32)
        var rgb = [UInt8]()
        for y in 0..<h { for x in 0..<w { rgb += (x / 8 + y / 8) % 2 == 0 ? [200, 40, 40] : [40, 60, 200] } }
        let fromJPEG = try ImageFile.decode(JPEG.encode(width: w, height: h, pixels: rgb, quality: 100, fullChroma: true), path: "a.jpg").modelInput(size: 8)
        let fromPNG = try ImageFile.decode(PNG.encode(width: w, height: h, rgb: rgb), path: "a.png").modelInput(size: 8)
        #expect(fromJPEG.count == fromPNG.count)
        // Block edges ring a little in chroma; the average over each 4x4 source area stays close.
        #expect(zip(fromJPEG, fromPNG).map { abs($0 - $1) }.max()! < 6.0 / 255)
    }

    /// Every prefix of a valid file is refused with the file's name; none crashes, exits or comes
    /// back padded (libjpeg's own handler would pad a premature end with grey and only warn).
    @Test func everyTruncationIsRefusedNamingTheFile() throws {
        let rgb = (0..<(24 * 24 * 3)).map { UInt8(($0 * 7) % 256) }
        for progressive in [false, true] {
            let full = JPEG.encode(width: 24, height: 24, pixels: rgb, quality: 90, progressive: progressive)
            #expect(try JPEG.decode(full, path: "full.jpg").width == 24)
            for keep in 3..<full.count {
                #expect {
                    _ = try JPEG.decode(full.prefix(keep), path: "cut.jpg")
                } throws: { error in
                    let e = error as? ImageFileError
                    return e?.path == "cut.jpg" && e!.reason.hasPrefix("malformed JPEG (")
                }
            }
        }
        let path = try temporaryFile("cut.jpg", JPEG.encode(width: 24, height: 24, pixels: rgb).prefix(200))
        do {
            _ = try ImageFile.decode(file: path)
            Issue.record("a truncated file was read")
        } catch let e as ImageFileError {
            #expect(e.description.hasPrefix(path + ": malformed JPEG ("), "\(e)")
            #expect(e.description.contains("Premature end of JPEG file"), "\(e)")
        }
    }

    /// Corrupt markers and tables, an oversized header (refused before any allocation), a file
    /// that is not a JPEG, a missing file.
    @Test func corruptAndForeignFilesAreRefused() throws {
        let rgb = (0..<(16 * 16 * 3)).map { UInt8(($0 * 13) % 256) }
        let good = [UInt8](JPEG.encode(width: 16, height: 16, pixels: rgb))
        func marker(_ code: UInt8) -> Int { (0..<(good.count - 1)).first { good[$0] == 0xFF && good[$0 + 1] == code }! }
        func refused(_ bytes: [UInt8], _ reason: String, _ what: String) {
            do {
                _ = try ImageFile.decode(Data(bytes), path: "x.jpg")
                Issue.record("\(what): decoded")
            } catch let e as ImageFileError {
                #expect(e.reason.contains(reason), "\(what): \(e.reason)")
            } catch { Issue.record("\(what): \(error)") }
        }
        // SOF0: FF C0, length (2), precision (1), height (2), width (2).
        var huge = good
        let sof = marker(0xC0)
        huge.replaceSubrange((sof + 5)..<(sof + 9), with: [0x4E, 0x20, 0x4E, 0x20])   // 20000 x 20000
        refused(huge, "20000x20000 pixels; sides must be in 1...16384", "oversized")
        var precision = good
        precision[sof + 4] = 12
        refused(precision, "malformed JPEG (header: Unsupported JPEG data precision 12)", "12-bit")
        var huffman = good
        let dht = marker(0xC4)
        huffman.replaceSubrange((dht + 5)..<(dht + 21), with: [UInt8](repeating: 0xFF, count: 16))   // code counts overflow
        refused(huffman, "malformed JPEG (", "bad Huffman table")
        var scan = good
        let sos = marker(0xDA)
        for i in (sos + 20)..<(good.count - 2) where i % 3 == 0 { scan[i] = 0xFF }   // stray markers in the entropy data
        refused(scan, "malformed JPEG (image data: ", "corrupt scan")
        refused([0xFF, 0xD8, 0xFF, 0xD9], "malformed JPEG (header: ", "no image")
        refused([UInt8](PNG.encode(width: 1, height: 1, rgb: [1, 2, 3])).dropFirst(1).map { $0 }, "not a PNG file (no PNG signature) and not a JPEG file", "neither")
        #expect(throws: ImageFileError(path: "x", reason: "not a JPEG file (no JPEG signature)")) { try JPEG.decode(Data([0x89, 0x50]), path: "x") }
        #expect(throws: ImageFileError(path: "/nonexistent/a.jpg", reason: "no such file")) { try ImageFile.decode(file: "/nonexistent/a.jpg") }
        // PNG still goes to the PNG decoder.
        #expect(try ImageFile.decode(PNG.encode(width: 2, height: 1, rgb: [1, 2, 3, 4, 5, 6]), path: "p.png").rgb == [1, 2, 3, 4, 5, 6])
    }
}
