import Foundation

/// An image file of a manifest world: PNG or JPEG, told apart by its first bytes (not by its
/// name, so a mislabelled extension still reads and a renamed text file is refused).
public enum ImageFile {
    public static func decode(file path: String) throws -> RGBImage {
        try decode(try bytes(path), path: path)
    }

    /// A file's bytes, or the error every decoder gives for a missing or unreadable file.
    static func bytes(_ path: String) throws -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ImageFileError(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
    }

    public static func decode(_ bytes: Data, path: String) throws -> RGBImage {
        if bytes.count >= 3, Array(bytes.prefix(3)) == JPEG.signature { return try JPEG.decode(bytes, path: path) }
        if bytes.count >= 8, Array(bytes.prefix(8)) == PNG.signature { return try PNG.decode(bytes, path: path) }
        throw ImageFileError(path: path, reason: "not a PNG file (no PNG signature) and not a JPEG file (no JPEG signature)")
    }
}
