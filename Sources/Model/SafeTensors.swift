import Foundation
import Linalg

/// A reader of the safetensors format: an 8-byte little-endian header length, a JSON header
/// {name: {dtype, shape, data_offsets: [begin, end]}} (plus an optional "__metadata__" object of
/// strings), then the raw little-endian tensor bytes. Everything is validated before use
/// (header length, JSON, dtypes, shapes, offsets within the file, no overlaps or holes), so a
/// truncated or crafted file is refused with a message instead of read out of bounds.
public struct SafeTensors: Sendable {
    public enum DType: String, Sendable, CaseIterable {
        case F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL
        var size: Int {
            switch self {
            case .F64, .I64, .U64: 8
            case .F32, .I32, .U32: 4
            case .F16, .BF16, .I16, .U16: 2
            case .I8, .U8, .BOOL: 1
            }
        }
    }

    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range within the data section.
        public let range: Range<Int>
        public var count: Int { shape.reduce(1, *) }
    }

    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let file: String
        public let problem: String
        public var description: String { "\(file): not a valid safetensors file: \(problem)" }
    }

    /// Larger headers than this are refused (the format's reference implementation uses 100 MB).
    public static let maxHeaderBytes = 100_000_000

    public let source: String
    public let tensors: [String: Tensor]
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw Error(file: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        try self.init(data: data, source: url.path)
    }

    public init(data: Data, source: String) throws {
        func fail(_ s: String) -> Error { Error(file: source, problem: s) }
        self.source = source
        self.data = data
        guard data.count >= 8 else { throw fail("\(data.count) bytes, shorter than the 8-byte header length") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard n <= UInt64(Self.maxHeaderBytes) else { throw fail("header length \(n) exceeds \(Self.maxHeaderBytes) bytes") }
        guard 8 + Int(n) <= data.count else { throw fail("header length \(n) runs past the end of the file (\(data.count) bytes)") }
        dataStart = 8 + Int(n)
        let dataSize = data.count - dataStart
        let header = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + dataStart))
        let parsed: Header
        do { parsed = try JSONDecoder().decode(Header.self, from: header) } catch let e as DecodingError {
            throw fail("header: \(Self.explain(e))")
        } catch {
            throw fail("header: \(error)")
        }
        var tensors: [String: Tensor] = [:]
        for (name, entry) in parsed.entries {
            guard let dtype = DType(rawValue: entry.dtype) else {
                throw fail("tensor \(name): dtype \(entry.dtype), expected one of \(DType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let shape = entry.shape, off = entry.data_offsets
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor \(name): shape \(shape) has a negative dimension") }
            guard off.count == 2 else { throw fail("tensor \(name): data_offsets has \(off.count) values, expected 2") }
            guard off[0] >= 0, off[0] <= off[1], off[1] <= dataSize else {
                throw fail("tensor \(name): data_offsets \(off) outside the \(dataSize) data bytes")
            }
            var bytes = dtype.size
            for d in shape {
                let (p, overflow) = bytes.multipliedReportingOverflow(by: d)
                guard !overflow else { throw fail("tensor \(name): shape \(shape) is too large") }
                bytes = p
            }
            guard bytes == off[1] - off[0] else {
                throw fail("tensor \(name): shape \(shape) of \(dtype.rawValue) needs \(bytes) bytes, data_offsets give \(off[1] - off[0])")
            }
            tensors[name] = Tensor(name: name, dtype: dtype, shape: shape, range: off[0]..<off[1])
        }
        // The data section must be covered exactly: no overlaps, no holes, nothing after the end.
        var next = 0
        for t in tensors.values.sorted(by: { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }) {
            guard t.range.lowerBound == next else {
                throw fail(t.range.lowerBound < next ? "tensor \(t.name) overlaps another tensor's bytes" : "bytes \(next)..<\(t.range.lowerBound) belong to no tensor")
            }
            next = t.range.upperBound
        }
        guard next == dataSize else { throw fail("\(dataSize - next) trailing bytes after the last tensor") }
        self.tensors = tensors
        self.metadata = parsed.metadata
    }

    private struct Entry: Decodable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }

    /// The header object: "__metadata__" (strings) and tensor entries.
    private struct Header: Decodable {
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            for k in c.allKeys {
                if k.stringValue == "__metadata__" { metadata = try c.decode([String: String].self, forKey: k) }
                else { entries[k.stringValue] = try c.decode(Entry.self, forKey: k) }
            }
        }
    }

    private static func explain(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.isEmpty ? "" : "at " + c.codingPath.map(\.stringValue).joined(separator: ".") + ": "
        }
        switch e {
        case .dataCorrupted(let c): return path(c) + "not valid JSON or a value of the wrong kind (\(c.debugDescription))"
        case .keyNotFound(let k, let c): return path(c) + "missing \(k.stringValue)"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return path(c) + c.debugDescription
        @unknown default: return "\(e)"
        }
    }

    /// A float32 tensor as a Matrix of `rows` x `cols` (a vector is 1 x n); the stored shape must
    /// have exactly that many elements and the given dims (`expectedShape`).
    public func matrix(_ name: String, expectedShape: [Int]) throws -> Matrix {
        guard let t = tensors[name] else { throw Error(file: source, problem: "tensor \(name) is missing") }
        guard t.dtype == .F32 else { throw Error(file: source, problem: "tensor \(name) is \(t.dtype.rawValue), expected F32") }
        guard t.shape == expectedShape else {
            throw Error(file: source, problem: "tensor \(name) has shape \(t.shape), expected \(expectedShape)")
        }
        let rows = expectedShape.count >= 2 ? expectedShape[0] : 1
        let cols = t.count / max(rows, 1)
        var values = [Float](repeating: 0, count: t.count)
        let start = data.startIndex + dataStart + t.range.lowerBound
        values.withUnsafeMutableBytes { dst in
            data.copyBytes(to: dst.bindMemory(to: UInt8.self), from: start..<(start + t.range.count))
        }
        for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
        return Matrix(rows: rows, cols: cols, storage: values)
    }
}
