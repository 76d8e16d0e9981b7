import CJPEG
import Foundation

/// JPEG files through libjpeg-turbo (Debian's libjpeg62-turbo-dev), for manifest worlds.
public enum JPEG {
    /// The bytes every JPEG file starts with (SOI marker, then the next marker's FF).
    public static let signature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// Decodes a JPEG file into 8-bit RGB (grey images expanded by libjpeg). A missing, truncated
    /// or corrupt file is an `ImageFileError`, never a crash, an exit or a padded image: every
    /// libjpeg error and warning (premature end, corrupt data) is refused (CJPEG/shim.h).
    public static func decode(file path: String) throws -> RGBImage {
        try decode(try ImageFile.bytes(path), path: path)
    }

    /// `path` only names the bytes in errors.
    public static func decode(_ bytes: Data, path: String) throws -> RGBImage {
        guard bytes.count >= 3, Array(bytes.prefix(3)) == signature else {
            throw ImageFileError(path: path, reason: "not a JPEG file (no JPEG signature)")
        }
        var message = [CChar](repeating: 0, count: 256)
        func failure(_ what: String) -> ImageFileError {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return ImageFileError(path: path, reason: "malformed JPEG (\(what): \(text.isEmpty ? "libjpeg gave no reason" : text))")
        }
        return try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> RGBImage in
            let data = raw.bindMemory(to: UInt8.self).baseAddress
            var width: Int32 = 0, height: Int32 = 0
            guard cjpeg_read_size(data, UInt(raw.count), &width, &height, &message, message.count) == 0 else { throw failure("header") }
            guard width >= 1, height >= 1, Int(width) <= PNG.maximumSide, Int(height) <= PNG.maximumSide else {
                throw ImageFileError(path: path, reason: "\(width)x\(height) pixels; sides must be in 1...\(PNG.maximumSide)")
            }
            var rgb = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
            let status = rgb.withUnsafeMutableBufferPointer { out in
                cjpeg_decode_rgb(data, UInt(raw.count), out.baseAddress, width, height, &message, message.count)
            }
            guard status == 0 else { throw failure("image data") }
            return RGBImage(width: Int(width), height: Int(height), rgb: rgb)
        }
    }
}
