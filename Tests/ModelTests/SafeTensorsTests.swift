import Foundation
import Linalg
import Testing
@testable import Model

/// The safetensors reader on files built byte by byte here: a valid one read back, and every
/// kind of malformed one refused with a message that says what is wrong (never a crash).
struct SafeTensorsTests {
    /// 8-byte little-endian length, the header text, then `data`.
    static func file(_ header: String, _ data: [UInt8]) -> Data {
        let h = Array(header.utf8)
        var out = Data()
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: h)
        out.append(contentsOf: data)
        return out
    }

    static func floats(_ v: [Float]) -> [UInt8] { v.flatMap { f in withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) } } }

    static let validHeader = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[3],"data_offsets":[24,36]},"ids":{"dtype":"I64","shape":[1],"data_offsets":[36,44]}}"#
    static let validData = floats([1, 2, 3, 4, 5, -6.5, 0.25, 0.5, 1e-3]) + [7, 0, 0, 0, 0, 0, 0, 0]

    @Test func readsAValidFile() throws {
        let st = try SafeTensors(data: Self.file(Self.validHeader, Self.validData), source: "ok.safetensors")
        #expect(st.metadata == ["format": "pt"])
        #expect(st.tensors["ids"]?.dtype == .I64)
        let w = try st.matrix("w", expectedShape: [2, 3])
        #expect(w == Matrix([[1, 2, 3], [4, 5, -6.5]]))
        #expect(try st.matrix("b", expectedShape: [3]) == Matrix([[0.25, 0.5, 1e-3]]))
        // Asking for the wrong shape, dtype or a missing name is an error, not a reinterpretation.
        #expect(throws: SafeTensors.Error.self) { try st.matrix("w", expectedShape: [3, 2]) }
        #expect(throws: SafeTensors.Error.self) { try st.matrix("ids", expectedShape: [1]) }
        #expect(throws: SafeTensors.Error.self) { try st.matrix("nope", expectedShape: [1]) }
    }

    static let malformed: [(String, Data, String)] = [
        ("empty file", Data(), "shorter than the 8-byte header length"),
        ("header length past the end", file(validHeader, validData).prefix(40), "runs past the end"),
        ("huge header length", Data([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]) + Data(count: 16), "exceeds"),
        ("not JSON", file("{not json", []), "not valid JSON"),
        ("JSON but not an object", file("[1,2]", []), "header"),
        ("unknown dtype", file(#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, floats([1])), "dtype F33"),
        ("missing shape", file(#"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, floats([1])), "missing shape"),
        ("fractional shape", file(#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, floats([1])), "wrong kind"),
        ("negative shape", file(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, floats([1])), "negative"),
        ("three offsets", file(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,2,4]}}"#, floats([1])), "expected 2"),
        ("offsets past the data", file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, floats([1])), "outside the 4 data bytes"),
        ("reversed offsets", file(#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, floats([1])), "outside"),
        ("shape and offsets disagree", file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, floats([1, 2])), "needs 8 bytes"),
        ("overflowing shape", file(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, floats([1])), "too large"),
        ("overlap", file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, floats([1, 2])), "overlaps"),
        ("hole", file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, floats([1, 2])), "belong to no tensor"),
        ("trailing bytes", file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, floats([1, 2])), "trailing bytes"),
        ("metadata not strings", file(#"{"__metadata__":{"n":1}}"#, []), "__metadata__"),
    ]

    @Test(arguments: 0..<malformed.count)
    func refusesMalformedFiles(_ i: Int) {
        let (what, data, expected) = Self.malformed[i]
        do {
            _ = try SafeTensors(data: data, source: "bad.safetensors")
            Issue.record("\(what): accepted")
        } catch let e as SafeTensors.Error {
            #expect(e.description.hasPrefix("bad.safetensors: not a valid safetensors file: "), "\(what): \(e)")
            #expect(e.description.contains(expected), "\(what): \(e)")
        } catch {
            Issue.record("\(what): unexpected \(error)")
        }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: SafeTensors.Error.self) { try SafeTensors(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors")) }
    }

    /// A whole MiniLM-shaped checkpoint written here (random weights, HF names and layouts) loads
    /// with every tensor in place and transposed where PyTorch stores outputs x inputs; a
    /// checkpoint lacking one tensor or with a wrong shape is refused, naming it.
    @Test func miniLMCheckpointNamesAndLayouts() throws {
        var config = MiniLM.Config()
        config.vocabularySize = 7; config.width = 4; config.layers = 2; config.heads = 2; config.hidden = 6; config.maxPositions = 5
        var rng = RandomStream(key: RandomKey("safetensors", "minilm"))
        let model = MiniLM(config: config, rng: &rng)
        func checkpoint(skipping skip: String? = nil, reshaping: String? = nil) -> Data {
            var entries: [String] = [], bytes: [UInt8] = []
            for (name, m) in model.namedTensors() {
                let (hf, transposed) = MiniLM.checkpointName(name)!
                if hf == skip { continue }
                let stored = transposed ? m.transposed() : m
                var shape = m.rows == 1 ? "[\(m.cols)]" : "[\(stored.rows),\(stored.cols)]"
                if hf == reshaping { shape = "[\(m.count)]" }
                entries.append("\"\(hf)\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":[\(bytes.count),\(bytes.count + 4 * m.count)]}")
                bytes += Self.floats(stored.storage)
            }
            return Self.file("{" + entries.joined(separator: ",") + "}", bytes)
        }
        let loaded = try MiniLM(checkpoint: SafeTensors(data: checkpoint(), source: "m"), config: config)
        #expect(loaded == model)
        let q = "encoder.layer.1.attention.self.query.weight"
        #expect(throws: SafeTensors.Error(file: "m", problem: "tensor \(q) is missing")) {
            try MiniLM(checkpoint: SafeTensors(data: checkpoint(skipping: q), source: "m"), config: config)
        }
        #expect(throws: SafeTensors.Error(file: "m", problem: "tensor \(q) has shape [16], expected [4, 4]")) {
            try MiniLM(checkpoint: SafeTensors(data: checkpoint(reshaping: q), source: "m"), config: config)
        }
    }
}
