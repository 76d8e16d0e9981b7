import Foundation
import Linalg
import Testing
@testable import Model

/// The safetensors writer: bytes against a file built by hand, models read back by clvbench's own
/// reader, and the same file read by an independent reader (the Python one the external example
/// uses, which parses the header by hand with numpy) giving the same values bit for bit.
struct SafeTensorsWriterTests {
    @Test func bytesAreTheFormatBuiltByHand() {
        let written = SafeTensors.encode([
            .init(name: "w", shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5]),
            .init(name: "b", shape: [3], values: [0.25, 0.5, 1e-3]),
        ], metadata: ["format": "pt"])
        // Keys sorted, data in the order given (w then b), header padded with spaces to 8 bytes.
        var header = #"{"__metadata__":{"format":"pt"},"b":{"data_offsets":[24,36],"dtype":"F32","shape":[3]},"w":{"data_offsets":[0,24],"dtype":"F32","shape":[2,3]}}"#
        while header.utf8.count % 8 != 0 { header += " " }
        let expected = SafeTensorsTests.file(header, SafeTensorsTests.floats([1, 2, 3, 4, 5, -6.5, 0.25, 0.5, 1e-3]))
        #expect(written == expected)
        #expect((8 + header.utf8.count) % 8 == 0)
    }

    static func models() -> [DualEncoder] {
        let mlp = ModelDescription(vision: .mlp(MLPVisionDescription(hidden: [7, 5])),
                                   text: .bag(BagTextDescription(width: 5, hidden: [6], maxTokens: 4)), embedding: 4)
        let vit = ModelDescription(vision: .vit(ViTDescription(patch: 2, width: 8, depth: 2, heads: 2, hidden: 12)),
                                   text: .bag(BagTextDescription(width: 5, hidden: [6], maxTokens: 4)), embedding: 4)
        return [DualEncoder(description: mlp, imageSize: 2, vocabularySize: 9, key: RandomKey("st-mlp")),
                DualEncoder(description: vit, imageSize: 4, vocabularySize: 9, key: RandomKey("st-vit"))]
    }

    @Test func modelsRoundTripThroughTheReader() throws {
        for model in Self.models() {
            let data = SafeTensorsWeights.encode(model, metadata: ["model": "x"])
            let file = try SafeTensors(data: data, source: "m.safetensors")
            #expect(file.metadata == ["model": "x"])
            #expect(file.tensors.count == model.namedTensors.count)
            for t in model.namedTensors {
                #expect(file.tensors[t.name]?.shape == [t.value.rows, t.value.cols], "\(t.name)")
                #expect(try file.values(t.name).map(\.bitPattern) == t.value.storage.map(\.bitPattern), "\(t.name)")
            }
            let back = try SafeTensorsWeights.decode(file, into: model.zeros())
            #expect(back == model)
            // A file of another model is refused by name and shape, not misread.
            let other = Self.models().first { $0.description != model.description }!
            #expect(throws: SafeTensors.Error.self) { try SafeTensorsWeights.decode(file, into: other) }
        }
    }

    @Test func anExternalReaderGetsTheSameValues() throws {
        let model = Self.models()[0]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clvbench-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("pretrained.safetensors")
        try SafeTensorsWeights.encode(model, metadata: ["note": "hello"]).write(to: path)
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/external").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // float32 -> float64 is exact and json writes the shortest repr that reads back exactly.
        p.arguments = ["python3", "-c", """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            import clvbench_protocol as protocol
            tensors, metadata = protocol.load_safetensors(sys.argv[2])
            print(json.dumps({"metadata": metadata, "tensors": {k: {"shape": list(v.shape), "values": v.astype(float).ravel().tolist()} for k, v in tensors.items()}}))
            """, examples, path.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        #expect(obj["metadata"] as? [String: String] == ["note": "hello"])
        let tensors = try #require(obj["tensors"] as? [String: [String: Any]])
        #expect(Set(tensors.keys) == Set(model.namedTensors.map(\.name)))
        for t in model.namedTensors {
            let entry = try #require(tensors[t.name])
            #expect(entry["shape"] as? [Int] == [t.value.rows, t.value.cols], "\(t.name)")
            let values = (entry["values"] as? [NSNumber] ?? []).map { Float($0.doubleValue).bitPattern }
            #expect(values == t.value.storage.map(\.bitPattern), "\(t.name)")
        }
    }
}
