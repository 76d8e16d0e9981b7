import CZlib
import Foundation

/// A minimal PNG encoder (8-bit RGB, no interlace, filter 0) over zlib: enough for contact
/// sheets a person can open, with no image library.
public enum PNG {
    /// `rgb` holds width * height * 3 bytes, row-major.
    public static func encode(width: Int, height: Int, rgb: [UInt8]) -> Data {
        precondition(rgb.count == width * height * 3, "PNG: \(rgb.count) bytes for \(width)x\(height) RGB")
        var raw = [UInt8]()
        raw.reserveCapacity((width * 3 + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter type 0 (None) for every scanline
            raw.append(contentsOf: rgb[(y * width * 3)..<((y + 1) * width * 3)])
        }
        var bound = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(bound))
        let status = compress2(&compressed, &bound, raw, uLong(raw.count), 9)
        precondition(status == Z_OK, "zlib compress2 failed with \(status)")
        var out = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var ihdr = [UInt8]()
        ihdr += be32(UInt32(width)) + be32(UInt32(height))
        ihdr += [8, 2, 0, 0, 0]  // depth 8, colour type RGB, deflate, filter 0, no interlace
        chunk("IHDR", ihdr, into: &out)
        chunk("IDAT", Array(compressed[0..<Int(bound)]), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

    static func chunk(_ type: String, _ body: [UInt8], into out: inout Data) {
        let t = Array(type.utf8)
        out.append(contentsOf: be32(UInt32(body.count)))
        out.append(contentsOf: t)
        out.append(contentsOf: body)
        let crc = (t + body).withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        out.append(contentsOf: be32(UInt32(crc)))
    }
}

/// A grid of an environment's images and the list of their captions, so a person can see what
/// the model sees.
public struct ContactSheet {
    public var columns: Int = 8
    public var count: Int = 64
    public var zoom: Int = 3
    public var gap: Int = 2

    public init(columns: Int = 8, count: Int = 64, zoom: Int = 3) {
        self.columns = columns
        self.count = count
        self.zoom = zoom
    }

    /// PNG bytes of the grid and the text listing its captions, row by row.
    public func render(world: EnvironmentWorld, environment e: Int, split: Split) -> (png: Data, captions: String) {
        let size = world.imageSize, cell = size * zoom + gap
        let rows = (count + columns - 1) / columns
        let width = columns * cell + gap, height = rows * cell + gap
        var rgb = [UInt8](repeating: 255, count: width * height * 3)
        let info = world.environments[e]
        var lines = ["# environment \(info.name) (\(info.heldOut ? "held-out" : "trained")), \(split.rawValue) samples 0..<\(count)",
                     "# class prompts: " + info.classPrompts.joined(separator: " | "),
                     "# index\tclass\tcaption"]
        for i in 0..<count {
            let s = world.sample(environment: e, split: split, index: i)
            lines.append("\(i)\t\(info.classNames[s.label])\t\(s.caption)")
            let ox = gap + (i % columns) * cell, oy = gap + (i / columns) * cell
            for y in 0..<(size * zoom) {
                for x in 0..<(size * zoom) {
                    let src = ((y / zoom) * size + x / zoom) * 3
                    let dst = ((oy + y) * width + ox + x) * 3
                    for c in 0..<3 { rgb[dst + c] = UInt8((s.image[src + c] * 255).rounded()) }
                }
            }
        }
        return (PNG.encode(width: width, height: height, rgb: rgb), lines.joined(separator: "\n") + "\n")
    }
}
