import Foundation
import Linalg

/// numpy's .npy format (versions 1.0, 2.0, 3.0), so embeddings from PyTorch models can be read
/// and the external-method protocol can exchange arrays. Pure: bytes in, bytes out.
/// Supported: float32, float64 and uint8 in C order, either byte order. Fortran order and
/// object or structured arrays are rejected with a message saying so.
public struct NPYArray: Equatable, Sendable {
    public enum DType: String, Sendable { case float32 = "f4", float64 = "f8", uint8 = "u1" }

    public var shape: [Int]
    public var dtype: DType
    /// The values in C order, widened to Double (exact for all three dtypes).
    public var values: [Double]

    public init(shape: [Int], dtype: DType, values: [Double]) {
        precondition(shape.reduce(1, *) == values.count, "NPY: \(values.count) values for shape \(shape)")
        self.shape = shape
        self.dtype = dtype
        self.values = values
    }

    public init(_ m: Matrix) {
        self.init(shape: [m.rows, m.cols], dtype: .float32, values: m.storage.map(Double.init))
    }

    /// A 2-D array as a Float matrix (a 1-D array becomes one column).
    public func matrix() throws -> Matrix {
        switch shape.count {
        case 2: return Matrix(rows: shape[0], cols: shape[1], storage: values.map { Float($0) })
        case 1: return Matrix(rows: shape[0], cols: 1, storage: values.map { Float($0) })
        default: throw NPYError("expected a 1-D or 2-D array, found shape \(shape)")
        }
    }
}

public struct NPYError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Where the header is, from the first 12 bytes (or fewer, for a short file).
    static func prefix(_ bytes: [UInt8]) throws -> (major: UInt8, headerStart: Int, headerLength: Int) {
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw NPYError("not a .npy file (missing the \\x93NUMPY magic)")
        }
        let major = bytes[6], minor = bytes[7]
        switch major {
        case 1:
            return (major, 10, Int(bytes[8]) | Int(bytes[9]) << 8)
        case 2, 3:
            guard bytes.count >= 12 else { throw NPYError("truncated .npy header") }
            return (major, 12, Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24)
        default:
            throw NPYError("unsupported .npy format version \(major).\(minor) (1.0, 2.0 and 3.0 are read)")
        }
    }

    /// The data size a header implies, checked against `available` data bytes without
    /// overflowing: a crafted shape cannot make the reader allocate or trap.
    static func checkedSize(shape: [Int], dtype: NPYArray.DType, available: Int) throws -> Int {
        let itemSize = dtype == .float64 ? 8 : dtype == .float32 ? 4 : 1
        var size = itemSize
        for d in shape {
            let (product, overflow) = size.multipliedReportingOverflow(by: d)
            if overflow {
                throw NPYError("shape \(shape) of \(dtype.rawValue) needs more bytes than any file can hold; the file holds \(available) bytes of data")
            }
            size = product
        }
        guard size == available else {
            throw NPYError("data holds \(available) bytes; shape \(shape) of \(dtype.rawValue) needs \(size)")
        }
        return size
    }

    /// Reads a .npy file, checking the size its header implies against the file's real size
    /// before reading the data (a large file with a bad header is not read whole).
    public static func read(path: String) throws -> NPYArray {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw NPYError("file not found") }
        guard !isDirectory.boolValue else { throw NPYError("is a directory, not a .npy file") }
        do { return try readFile(path) } catch let e as NPYError { throw e } catch {
            throw NPYError("cannot read the file (\(String(cString: strerror(errno))))")
        }
    }

    static func readFile(_ path: String) throws -> NPYArray {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw NPYError("cannot open the file (\(String(cString: strerror(errno))))") }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), let fileSize = Int(exactly: end) else { throw NPYError("cannot read the file's size") }
        try handle.seek(toOffset: 0)
        let first = [UInt8](try handle.read(upToCount: 12) ?? Data())
        let p = try prefix(first)
        guard fileSize >= p.headerStart + p.headerLength else { throw NPYError("truncated .npy header") }
        try handle.seek(toOffset: UInt64(p.headerStart))
        let headerBytes = [UInt8](try handle.read(upToCount: p.headerLength) ?? Data())
        let (shape, dtype, _) = try layout(headerBytes, major: p.major)
        _ = try checkedSize(shape: shape, dtype: dtype, available: fileSize - p.headerStart - p.headerLength)
        try handle.seek(toOffset: 0)
        return try decode(try handle.readToEnd() ?? Data())
    }

    /// Shape, dtype and byte order from the header's text.
    static func layout(_ headerBytes: [UInt8], major: UInt8) throws -> (shape: [Int], dtype: NPYArray.DType, bigEndian: Bool) {
        let header = major == 3 ? String(decoding: headerBytes, as: UTF8.self)
                                : String(headerBytes.map { Character(Unicode.Scalar($0)) })
        let fields = try parseHeader(header)

        guard fields.fortranOrder == false else {
            throw NPYError("Fortran-order arrays are not supported; save with np.ascontiguousarray(a)")
        }
        let descr = fields.descr
        guard descr.count == 3 else {
            if descr.contains("O") { throw NPYError("object arrays are not supported (descr '\(descr)')") }
            throw NPYError("unsupported dtype '\(descr)' (float32 '<f4', float64 '<f8' and uint8 '|u1' are read)")
        }
        let order = descr.first!, code = String(descr.dropFirst())
        if code == "O8" || descr.contains("O") { throw NPYError("object arrays are not supported (descr '\(descr)')") }
        guard let dtype = NPYArray.DType(rawValue: code) else {
            throw NPYError("unsupported dtype '\(descr)' (float32 '<f4', float64 '<f8' and uint8 '|u1' are read)")
        }
        return (fields.shape, dtype, order == ">")
    }

    public static func decode(_ data: Data) throws -> NPYArray {
        let bytes = [UInt8](data)
        let (major, headerStart, headerLength) = try prefix(bytes)
        guard bytes.count >= headerStart + headerLength else { throw NPYError("truncated .npy header") }
        let (shape, dtype, bigEndian) = try layout(Array(bytes[headerStart..<(headerStart + headerLength)]), major: major)
        let start = headerStart + headerLength
        let itemSize = dtype == .float64 ? 8 : dtype == .float32 ? 4 : 1
        let count = try checkedSize(shape: shape, dtype: dtype, available: bytes.count - start) / itemSize
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBufferPointer { p in
            let base = p.baseAddress! + start
            for i in 0..<count {
                switch dtype {
                case .uint8: values[i] = Double(base[i])
                case .float32:
                    var raw = UnsafeRawPointer(base + 4 * i).loadUnaligned(as: UInt32.self)
                    raw = bigEndian ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
                    values[i] = Double(Float(bitPattern: raw))
                case .float64:
                    var raw = UnsafeRawPointer(base + 8 * i).loadUnaligned(as: UInt64.self)
                    raw = bigEndian ? UInt64(bigEndian: raw) : UInt64(littleEndian: raw)
                    values[i] = Double(bitPattern: raw)
                }
            }
        }
        return NPYArray(shape: shape, dtype: dtype, values: values)
    }

    /// Writes format 1.0 (2.0 when the header would not fit), little-endian, C order.
    public static func encode(_ a: NPYArray) -> Data {
        let shapeText = a.shape.count == 1 ? "(\(a.shape[0]),)" : "(" + a.shape.map(String.init).joined(separator: ", ") + ")"
        let descr = a.dtype == .uint8 ? "|u1" : "<" + a.dtype.rawValue
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let v1 = header.utf8.count + 11 < 65_536
        let prefix = v1 ? 10 : 12
        let total = ((prefix + header.utf8.count + 1 + 63) / 64) * 64
        header += String(repeating: " ", count: total - prefix - header.utf8.count - 1) + "\n"
        var out = Data(magic)
        let hl = header.utf8.count
        if v1 {
            out.append(contentsOf: [1, 0, UInt8(hl & 0xff), UInt8(hl >> 8)])
        } else {
            out.append(contentsOf: [2, 0, UInt8(hl & 0xff), UInt8((hl >> 8) & 0xff), UInt8((hl >> 16) & 0xff), UInt8(hl >> 24)])
        }
        out.append(contentsOf: Array(header.utf8))
        out.reserveCapacity(out.count + a.values.count * 8)
        for v in a.values {
            switch a.dtype {
            case .uint8: out.append(UInt8(max(0, min(255, v))))
            case .float32: withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { out.append(contentsOf: $0) }
            case .float64: withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            }
        }
        return out
    }

    struct Header { var descr: String; var fortranOrder: Bool; var shape: [Int] }

    /// Parses the Python dict literal of the header, e.g.
    /// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
    static func parseHeader(_ text: String) throws -> Header {
        func value(of key: String) throws -> Substring {
            guard let r = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\"") else {
                throw NPYError("header has no '\(key)' entry")
            }
            var rest = text[r.upperBound...].drop { $0 == " " }
            guard rest.first == ":" else { throw NPYError("malformed header near '\(key)'") }
            rest = rest.dropFirst().drop { $0 == " " }
            return rest
        }
        let d = try value(of: "descr")
        guard let q = d.first, q == "'" || q == "\"" else {
            throw NPYError("structured dtypes are not supported (descr is not a simple type string)")
        }
        let descr = d.dropFirst().prefix { $0 != q }
        let f = try value(of: "fortran_order")
        let fortran: Bool
        if f.hasPrefix("False") { fortran = false } else if f.hasPrefix("True") { fortran = true } else {
            throw NPYError("malformed header: fortran_order is neither True nor False")
        }
        let s = try value(of: "shape")
        guard s.first == "(", let close = s.firstIndex(of: ")") else { throw NPYError("malformed header: shape is not a tuple") }
        let inner = s[s.index(after: s.startIndex)..<close]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw NPYError("malformed header: shape entry '\(t)'") }
            shape.append(v)
        }
        return Header(descr: String(descr), fortranOrder: fortran, shape: shape)
    }
}
