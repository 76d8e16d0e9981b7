import CZlib
import Foundation

/// gunzip through zlib, for Debian's gzipped IDX files.
enum Gzip {
    struct Error: Swift.Error, CustomStringConvertible { var description: String }

    static func decompress(_ data: Data) throws -> Data {
        var stream = z_stream()
        guard clv_inflate_init_gzip(&stream) == Z_OK else { throw Error(description: "zlib could not start") }
        defer { inflateEnd(&stream) }
        var out = Data()
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var status: Int32 = Z_OK
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                status = buffer.withUnsafeMutableBufferPointer { b in
                    stream.next_out = b.baseAddress
                    stream.avail_out = uInt(chunk)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    throw Error(description: status == Z_DATA_ERROR ? "corrupt gzip data" : "zlib error \(status)")
                }
                out.append(contentsOf: buffer[0..<(chunk - Int(stream.avail_out))])
                if status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0 {
                    throw Error(description: "truncated gzip data")
                }
            } while status != Z_STREAM_END
        }
        return out
    }

    /// gzip-compresses (for tests that write small IDX files, and for nothing else).
    static func compress(_ data: Data) throws -> Data {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw Error(description: "zlib could not start") }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 64)
        let written: Int = data.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { o in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = o.baseAddress
                stream.avail_out = uInt(o.count)
                deflate(&stream, Z_FINISH)
                return o.count - Int(stream.avail_out)
            }
        }
        return Data(out[0..<written])
    }
}
