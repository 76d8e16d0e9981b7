import Foundation

/// A writer of the safetensors format (float32 tensors only, which is all clvbench holds), the
/// inverse of `SafeTensors`: an 8-byte little-endian header length, the JSON header (keys sorted,
/// padded with spaces to a multiple of 8 bytes so every tensor starts 8-byte aligned, as the
/// reference implementation does), then the tensors' little-endian bytes in the order given.
extension SafeTensors {
    /// One tensor to write: its name, shape (row-major) and values.
    public struct Float32Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
        public init(name: String, shape: [Int], values: [Float]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// The file's bytes. Names must be unique, non-empty and not `__metadata__`, and each shape
    /// must hold exactly its values: the callers build them from a model, so a violation is a
    /// programming error, not input.
    public static func encode(_ tensors: [Float32Tensor], metadata: [String: String] = [:]) -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for t in tensors {
            precondition(!t.name.isEmpty && t.name != "__metadata__", "safetensors: bad tensor name '\(t.name)'")
            precondition(header[t.name] == nil, "safetensors: tensor \(t.name) named twice")
            precondition(t.shape.allSatisfy { $0 >= 0 } && t.shape.reduce(1, *) == t.values.count,
                         "safetensors: tensor \(t.name) has shape \(t.shape) but \(t.values.count) values")
            let bytes = 4 * t.values.count
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for t in tensors {
            t.values.withUnsafeBufferPointer { p in
                var little = [UInt32](repeating: 0, count: p.count)
                for i in 0..<p.count { little[i] = p[i].bitPattern.littleEndian }
                little.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
        return out
    }

    /// The stored values of a float32 tensor, in row-major order.
    public func values(_ name: String) throws -> [Float] {
        guard let t = tensors[name] else { throw Error(file: source, problem: "tensor \(name) is missing") }
        return try matrix(name, expectedShape: t.shape).storage
    }
}
