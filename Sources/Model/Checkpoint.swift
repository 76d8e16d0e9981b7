import Foundation
import Linalg

/// A model's weights as bytes: magic, configuration (JSON), tensors (rows, cols, little-endian
/// Float32), then a 64-bit checksum of everything before it. Reading verifies all of it, so a
/// truncated or altered file is refused rather than used.
public enum Checkpoint {
    static let magic = Array("CLVBW001".utf8)

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public static func encode(_ model: DualEncoder) -> Data {
        var out = Data(magic)
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let json = try! enc.encode(model.config)
        append32(&out, UInt32(json.count))
        out.append(json)
        let tensors = model.tensors
        append32(&out, UInt32(tensors.count))
        for (_, t) in tensors {
            append32(&out, UInt32(t.rows))
            append32(&out, UInt32(t.cols))
            t.storage.withUnsafeBufferPointer { p in
                for v in p { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            }
        }
        var h = StableHasher()
        h.feed(bytes: out)
        withUnsafeBytes(of: h.finish().littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    public static func decode(_ data: Data, expecting config: ModelConfig? = nil) throws -> DualEncoder {
        let b = [UInt8](data)
        guard b.count >= magic.count + 16, Array(b[0..<magic.count]) == magic else {
            throw Error(description: "not a clvbench checkpoint (bad magic)")
        }
        var h = StableHasher()
        h.feed(bytes: b[0..<(b.count - 8)])
        guard read64(b, b.count - 8) == h.finish() else { throw Error(description: "checksum mismatch (file truncated or altered)") }
        var o = magic.count
        let jsonLength = Int(read32(b, o)); o += 4
        guard o + jsonLength <= b.count - 8 else { throw Error(description: "truncated configuration") }
        let stored = try JSONDecoder().decode(ModelConfig.self, from: Data(b[o..<(o + jsonLength)]))
        o += jsonLength
        if let config, config != stored { throw Error(description: "configuration differs from the one expected") }
        var model = DualEncoder(config: stored, key: RandomKey("checkpoint-shape"))
        let count = Int(read32(b, o)); o += 4
        guard count == model.tensors.count else { throw Error(description: "\(count) tensors, the configuration has \(model.tensors.count)") }
        var failure: Error?
        model.forEachTensor { _, _, m in
            guard failure == nil else { return }
            let rows = Int(read32(b, o)), cols = Int(read32(b, o + 4))
            o += 8
            guard rows == m.rows, cols == m.cols, o + rows * cols * 4 <= b.count - 8 else {
                failure = Error(description: "tensor shape \(rows)x\(cols) does not match \(m.rows)x\(m.cols)")
                return
            }
            for i in 0..<(rows * cols) { m.storage[i] = Float(bitPattern: read32(b, o + 4 * i)) }
            o += rows * cols * 4
        }
        if let failure { throw failure }
        guard o == b.count - 8 else { throw Error(description: "trailing bytes after the tensors") }
        return model
    }

    static func append32(_ d: inout Data, _ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    static func read32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
    static func read64(_ b: [UInt8], _ o: Int) -> UInt64 { UInt64(read32(b, o)) | UInt64(read32(b, o + 4)) << 32 }
}

/// Pretrained weights on disk, keyed by the hash of everything that determines them, so a
/// suite pays for pretraining once. A file that fails verification is deleted and rebuilt.
public struct PretrainCache: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    public func url(key: String) -> URL { directory.appendingPathComponent("pretrained-\(key).clvw") }

    /// The cached model, or nil when absent or invalid (an invalid file is removed).
    public func load(key: String, config: ModelConfig) -> DualEncoder? {
        let u = url(key: key)
        guard let data = FileManager.default.contents(atPath: u.path) else { return nil }
        if let m = try? Checkpoint.decode(data, expecting: config) { return m }
        try? FileManager.default.removeItem(at: u)
        return nil
    }

    /// Writes atomically (temporary file, then rename), so a reader never sees half a file.
    public func store(_ model: DualEncoder, key: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Checkpoint.encode(model).write(to: url(key: key), options: .atomic)
    }
}
