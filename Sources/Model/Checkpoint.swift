import Foundation
import Linalg

/// A model's weights as bytes: magic, the model description (JSON), then each tensor by name
/// (name, rows, cols, little-endian Float32), then a 64-bit checksum of everything before it.
/// Reading verifies all of it and fills a model of the expected shape by name, so a truncated,
/// altered or mismatched file is refused rather than used.
public enum Checkpoint {
    static let magic = Array("CLVBW002".utf8)

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public static func encode(_ model: DualEncoder) -> Data {
        var out = Data(magic)
        let json = Data(ModelDescription.json(model.description).utf8)
        append32(&out, UInt32(json.count))
        out.append(json)
        let tensors = model.namedTensors
        append32(&out, UInt32(tensors.count))
        for t in tensors {
            let name = Data(t.name.utf8)
            append32(&out, UInt32(name.count))
            out.append(name)
            append32(&out, UInt32(t.value.rows))
            append32(&out, UInt32(t.value.cols))
            t.value.storage.withUnsafeBufferPointer { p in
                for v in p { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            }
        }
        var h = StableHasher()
        h.feed(bytes: out)
        withUnsafeBytes(of: h.finish().littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// The stored weights in a model shaped like `template`: same description, and every tensor
    /// of the template present under its name with its shape (and no others).
    public static func decode(_ data: Data, into template: DualEncoder) throws -> DualEncoder {
        let b = [UInt8](data)
        guard b.count >= magic.count + 16, Array(b[0..<magic.count]) == magic else {
            throw Error(description: "not a clvbench checkpoint (bad magic)")
        }
        var h = StableHasher()
        h.feed(bytes: b[0..<(b.count - 8)])
        guard read64(b, b.count - 8) == h.finish() else { throw Error(description: "checksum mismatch (file truncated or altered)") }
        let end = b.count - 8
        var o = magic.count
        func take(_ n: Int, _ what: String) throws -> Range<Int> {
            guard n >= 0, o + n <= end else { throw Error(description: "truncated \(what)") }
            defer { o += n }
            return o..<(o + n)
        }
        let jsonLength = Int(read32(b, try take(4, "header").lowerBound))
        let stored = try JSONDecoder().decode(ModelDescription.self, from: Data(b[try take(jsonLength, "model description")]))
        guard stored == template.description else { throw Error(description: "model description differs from the one expected") }
        let count = Int(read32(b, try take(4, "tensor count").lowerBound))
        var found: [String: Matrix] = [:]
        for _ in 0..<count {
            let nameLength = Int(read32(b, try take(4, "tensor name").lowerBound))
            let name = String(decoding: b[try take(nameLength, "tensor name")], as: UTF8.self)
            let shape = try take(8, "tensor shape").lowerBound
            let rows = Int(read32(b, shape)), cols = Int(read32(b, shape + 4))
            let values = try take(rows * cols * 4, "tensor \(name)")
            var m = Matrix(rows: rows, cols: cols)
            for i in 0..<(rows * cols) { m.storage[i] = Float(bitPattern: read32(b, values.lowerBound + 4 * i)) }
            guard found.updateValue(m, forKey: name) == nil else { throw Error(description: "tensor \(name) stored twice") }
        }
        guard o == end else { throw Error(description: "trailing bytes after the tensors") }
        var model = template
        var failure: Error?
        model.forEachNamedTensor { _, name, _, t in
            guard failure == nil else { return }
            guard let m = found.removeValue(forKey: name) else { failure = Error(description: "tensor \(name) is missing"); return }
            guard m.rows == t.rows, m.cols == t.cols else {
                failure = Error(description: "tensor \(name) has shape \(m.rows)x\(m.cols), the model \(t.rows)x\(t.cols)")
                return
            }
            t = m
        }
        if let failure { throw failure }
        if let extra = found.keys.sorted().first { throw Error(description: "tensor \(extra) is not part of the model") }
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

    /// The file of a key (the `-2` names the file format: files of the earlier format are
    /// left alone rather than misread).
    public func url(key: String) -> URL { directory.appendingPathComponent("pretrained-\(key)-2.clvw") }

    /// The cached model, or nil when absent or invalid (an invalid file is removed).
    public func load(key: String, template: DualEncoder) -> DualEncoder? {
        let u = url(key: key)
        guard let data = FileManager.default.contents(atPath: u.path) else { return nil }
        if let m = try? Checkpoint.decode(data, into: template) { return m }
        try? FileManager.default.removeItem(at: u)
        return nil
    }

    /// A cache that cannot be written, explained with its path and what to do.
    public struct Unusable: Swift.Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Makes sure the directory exists (or can be made) before pretraining, so a cache path
    /// that is a file or cannot be written stops a run before hours of training, not after.
    public func prepare() throws {
        var isDirectory: ObjCBool = false
        let path = directory.path
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw Unusable(description: "\(path): the pretraining cache must be a directory, but a file is there; move the file away and run again")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw Unusable(description: "\(path): cannot create the pretraining cache directory; check that its parent exists and is writable")
        }
    }

    /// Writes atomically (temporary file, then rename), so a reader never sees half a file.
    public func store(_ model: DualEncoder, key: String) throws {
        try prepare()
        do {
            try Checkpoint.encode(model).write(to: url(key: key), options: .atomic)
        } catch {
            throw Unusable(description: "\(url(key: key).path): cannot write the pretrained model (\(error.localizedDescription)); check free space and permissions")
        }
    }
}
