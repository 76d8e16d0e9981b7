import CJPEG
import Foundation

extension JPEG {
    /// Encodes 8-bit RGB (`grey: false`, width * height * 3 bytes) or grey (width * height bytes)
    /// with libjpeg: what tests and examples need to write JPEG inputs without an image tool.
    /// `fullChroma` keeps colour at full resolution (4:4:4) instead of libjpeg's 4:2:0.
    public static func encode(width: Int, height: Int, pixels: [UInt8], grey: Bool = false, quality: Int = 90,
                              fullChroma: Bool = false, progressive: Bool = false) -> Data {
        let components = grey ? 1 : 3
        precondition(width >= 1 && height >= 1 && pixels.count == width * height * components, "JPEG: \(pixels.count) bytes for \(width)x\(height)x\(components)")
        precondition((1...100).contains(quality))
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = cjpeg_encode(pixels, Int32(width), Int32(height), Int32(components), Int32(quality),
                                  fullChroma ? 1 : 0, progressive ? 1 : 0, &out, &size, &message, message.count)
        precondition(status == 0, "libjpeg encode failed: \(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        defer { cjpeg_free(out) }
        return Data(bytes: out!, count: Int(size))
    }
}
