import CPNG
import Foundation

/// An 8-bit RGB image as decoded from a file: width * height * 3 bytes, row-major.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var rgb: [UInt8]
    public init(width: Int, height: Int, rgb: [UInt8]) {
        self.width = width
        self.height = height
        self.rgb = rgb
    }
}

/// An image file that cannot be read; names the file and what is wrong with it.
public struct ImageFileError: Error, CustomStringConvertible, Equatable {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}

extension PNG {
    /// Larger images are refused rather than allocated (a manifest's images are resized to at
    /// most 128 pixels anyway).
    public static let maximumSide = 16384
    /// The eight bytes every PNG file starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes a PNG file with libpng's simplified read API into 8-bit RGB: any bit depth,
    /// palette, grey or interlacing is converted by libpng; transparency is composited on white.
    /// A missing, truncated or malformed file is an `ImageFileError`, never a crash.
    public static func decode(file path: String) throws -> RGBImage {
        try decode(try ImageFile.bytes(path), path: path)
    }

    /// `path` only names the bytes in errors.
    public static func decode(_ bytes: Data, path: String) throws -> RGBImage {
        guard bytes.count >= 8, Array(bytes.prefix(8)) == signature else {
            throw ImageFileError(path: path, reason: "not a PNG file (no PNG signature)")
        }
        var image = png_image()
        image.version = png_uint_32(cpng_image_version)
        defer { png_image_free(&image) }
        func failure(_ what: String) -> ImageFileError {
            let message = withUnsafeBytes(of: image.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return ImageFileError(path: path, reason: "malformed PNG (\(what): \(message.isEmpty ? "libpng gave no reason" : message))")
        }
        // libpng keeps the memory pointer from begin to finish: both run inside one closure.
        return try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> RGBImage in
            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else { throw failure("header") }
            let width = Int(image.width), height = Int(image.height)
            guard width >= 1, height >= 1, width <= maximumSide, height <= maximumSide else {
                throw ImageFileError(path: path, reason: "\(width)x\(height) pixels; sides must be in 1...\(maximumSide)")
            }
            image.format = png_uint_32(cpng_format_rgb)
            var rgb = [UInt8](repeating: 255, count: width * height * 3)
            var white = png_color(red: 255, green: 255, blue: 255)
            let finished = rgb.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, &white, out.baseAddress, png_int_32(width * 3), nil)
            }
            guard finished != 0 else { throw failure("image data") }
            return RGBImage(width: width, height: height, rgb: rgb)
        }
    }
}

extension RGBImage {
    /// The model's input: the largest central square (CLIP's centre crop), area-averaged to
    /// `size` x `size`, in the layout of `Sample.image` (RGB in [0, 1]). Area averaging weighs
    /// each source pixel by how much of it an output pixel covers, so downscaling does not alias
    /// and upscaling repeats pixels.
    public func modelInput(size n: Int) -> [Float] {
        precondition(n >= 1)
        let side = Swift.min(width, height)
        let x0 = (width - side) / 2, y0 = (height - side) / 2
        // Output pixel i covers source [i * side / n, (i + 1) * side / n): per-axis weights.
        var taps: [[(index: Int, weight: Double)]] = []
        for i in 0..<n {
            let lo = Double(i) * Double(side) / Double(n), hi = Double(i + 1) * Double(side) / Double(n)
            var row: [(Int, Double)] = []
            var j = Int(lo.rounded(.down))
            while j < side, Double(j) < hi {
                let w = Swift.min(hi, Double(j + 1)) - Swift.max(lo, Double(j))
                if w > 0 { row.append((j, w)) }
                j += 1
            }
            taps.append(row)
        }
        let area = Double(side) * Double(side) / Double(n * n)
        var out = [Float](repeating: 0, count: n * n * 3)
        for y in 0..<n {
            for x in 0..<n {
                var acc = [0.0, 0.0, 0.0]
                for (sy, wy) in taps[y] {
                    let rowBase = (y0 + sy) * width
                    for (sx, wx) in taps[x] {
                        let o = (rowBase + x0 + sx) * 3, w = wy * wx
                        acc[0] += w * Double(rgb[o]); acc[1] += w * Double(rgb[o + 1]); acc[2] += w * Double(rgb[o + 2])
                    }
                }
                for c in 0..<3 { out[(y * n + x) * 3 + c] = Float(Swift.min(1, acc[c] / (area * 255))) }
            }
        }
        return out
    }
}
