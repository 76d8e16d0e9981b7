import CFreeType
import Foundation

/// Noto Color Emoji (Debian `fonts-noto-color-emoji`) read with FreeType: a CBDT colour bitmap
/// font with one strike of 136x128 premultiplied BGRA bitmaps. Each glyph is decoded once per
/// process and kept as a square RGBA tile (premultiplied, box-filtered to `tileSize`).
public final class EmojiFont: @unchecked Sendable {
    public static let defaultPath = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
    public static let debianPackage = "fonts-noto-color-emoji"
    /// Side of the cached tiles: larger than any image the world renders (image_size up to 128
    /// is drawn from it by bilinear sampling).
    public static let tileSize = 64

    /// One glyph: tileSize x tileSize, 4 floats per pixel (premultiplied R, G, B, then alpha).
    public struct Glyph: Sendable, Equatable {
        public var size: Int
        public var rgba: [Float]
        /// The bitmap as FreeType gave it, before resampling.
        public var sourceWidth: Int
        public var sourceHeight: Int
    }

    public struct LoadError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public let path: String
    private var library: FT_Library?
    private var face: FT_Face?
    private var glyphs: [UInt32: Glyph?] = [:]
    private let lock = NSLock()

    private static let opened = NSLock()
    nonisolated(unsafe) private static var fonts: [String: EmojiFont] = [:]

    /// The font at `path`, opened once per process.
    public static func shared(path: String = defaultPath) throws -> EmojiFont {
        opened.lock()
        defer { opened.unlock() }
        if let f = fonts[path] { return f }
        let f = try EmojiFont(path: path)
        fonts[path] = f
        return f
    }

    init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw LoadError(description: "emoji font not found: \(path). "
                + (path == Self.defaultPath ? "Install Debian's packages \(Self.debianPackage) and \(EmojiCatalog.debianPackage): "
                    + "apt-get install \(Self.debianPackage) \(EmojiCatalog.debianPackage)" : "Point world.font at NotoColorEmoji.ttf"))
        }
        var lib: FT_Library?
        guard FT_Init_FreeType(&lib) == 0, let lib else { throw LoadError(description: "FreeType could not start") }
        library = lib
        var f: FT_Face?
        guard FT_New_Face(lib, path, 0, &f) == 0, let f else {
            // deinit releases what was opened (it runs when an initialised object's init throws).
            throw LoadError(description: "\(path): FreeType cannot read this file as a font")
        }
        face = f
        guard cft_has_color(f) == 1, cft_has_fixed_sizes(f) == 1, f.pointee.num_fixed_sizes > 0,
              FT_Select_Size(f, 0) == 0
        else {
            throw LoadError(description: "\(path): not a colour bitmap font (expected a CBDT font with a bitmap strike, like \(Self.defaultPath))")
        }
    }

    deinit {
        if let face { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
    }

    /// Whether the font maps `codePoint` to a glyph (without decoding it).
    public func hasGlyph(_ codePoint: UInt32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard let face else { return false }
        return FT_Get_Char_Index(face, FT_ULong(codePoint)) != 0
    }

    /// The glyph of `codePoint`, or nil when the font has none; decoded on first use.
    public func glyph(_ codePoint: UInt32) -> Glyph? {
        lock.lock()
        defer { lock.unlock() }
        if let g = glyphs[codePoint] { return g }
        let g = render(codePoint)
        glyphs[codePoint] = g
        return g
    }

    private func render(_ codePoint: UInt32) -> Glyph? {
        guard let face else { return nil }
        let index = FT_Get_Char_Index(face, FT_ULong(codePoint))
        guard index != 0, FT_Load_Glyph(face, index, cft_load_color) == 0 else { return nil }
        let bitmap = face.pointee.glyph.pointee.bitmap
        guard Int32(bitmap.pixel_mode) == cft_pixel_mode_bgra, bitmap.width > 0, bitmap.rows > 0, let buffer = bitmap.buffer else { return nil }
        let w = Int(bitmap.width), h = Int(bitmap.rows), pitch = Int(bitmap.pitch)
        // Centre the bitmap in a square of side max(w, h), then box-filter to tileSize.
        let side = max(w, h), n = Self.tileSize
        let ox = (side - w) / 2, oy = (side - h) / 2
        var sums = [Double](repeating: 0, count: n * n * 4)
        var counts = [Double](repeating: 0, count: n * n)
        for sy in 0..<side {
            let ty = sy * n / side
            for sx in 0..<side {
                let tx = sx * n / side
                let t = ty * n + tx
                counts[t] += 1
                let bx = sx - ox, by = sy - oy
                guard bx >= 0, by >= 0, bx < w, by < h else { continue }
                let p = buffer + by * pitch + bx * 4  // B, G, R, A, premultiplied
                sums[t * 4] += Double(p[2]); sums[t * 4 + 1] += Double(p[1])
                sums[t * 4 + 2] += Double(p[0]); sums[t * 4 + 3] += Double(p[3])
            }
        }
        var rgba = [Float](repeating: 0, count: n * n * 4)
        for t in 0..<(n * n) where counts[t] > 0 {
            for c in 0..<4 { rgba[t * 4 + c] = Float(sums[t * 4 + c] / (counts[t] * 255)) }
        }
        return Glyph(size: n, rgba: rgba, sourceWidth: w, sourceHeight: h)
    }
}
