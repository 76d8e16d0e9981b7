import Foundation
import Linalg
import Testing
@testable import Analysis

struct NPYTests {
    /// A .npy file built byte by byte, as numpy would write it.
    func file(major: UInt8, header: String, payload: [UInt8]) -> Data {
        var h = header
        let prefix = major == 1 ? 10 : 12
        while (prefix + h.utf8.count + 1) % 64 != 0 { h += " " }
        h += "\n"
        var d = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0])
        let n = h.utf8.count
        if major == 1 { d.append(contentsOf: [UInt8(n & 0xff), UInt8(n >> 8)]) } else {
            d.append(contentsOf: [UInt8(n & 0xff), UInt8(n >> 8), 0, 0])
        }
        d.append(contentsOf: Array(h.utf8))
        d.append(contentsOf: payload)
        return d
    }

    func le32(_ f: Float) -> [UInt8] { withUnsafeBytes(of: f.bitPattern.littleEndian, Array.init) }
    func be32(_ f: Float) -> [UInt8] { withUnsafeBytes(of: f.bitPattern.bigEndian, Array.init) }
    func le64(_ d: Double) -> [UInt8] { withUnsafeBytes(of: d.bitPattern.littleEndian, Array.init) }

    @Test func readsVersionsAndDtypes() throws {
        let f4 = try NPY.decode(file(major: 1, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
                                     payload: [1, 2, 3, -4.5].flatMap { le32($0) }))
        #expect(f4.shape == [2, 2] && f4.dtype == .float32 && f4.values == [1, 2, 3, -4.5])
        #expect(try f4.matrix() == Matrix([[1, 2], [3, -4.5]]))
        let f8 = try NPY.decode(file(major: 2, header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                                     payload: [0.1, 0.2, 1e300].flatMap { le64($0) }))
        #expect(f8.values == [0.1, 0.2, 1e300] && f8.shape == [3])
        let u1 = try NPY.decode(file(major: 3, header: "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3), }",
                                     payload: [0, 7, 255]))
        #expect(u1.values == [0, 7, 255] && u1.dtype == .uint8)
        let big = try NPY.decode(file(major: 1, header: "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                                      payload: be32(1.5) + be32(-2)))
        #expect(big.values == [1.5, -2])
        let scalar = try NPY.decode(file(major: 1, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", payload: le32(3)))
        #expect(scalar.values == [3] && scalar.shape == [])
    }

    @Test func roundTrips() throws {
        var r = RandomStream(key: RandomKey("npy"))
        let m = r.normalMatrix(rows: 7, cols: 3)
        let back = try NPY.decode(NPY.encode(NPYArray(m)))
        #expect(try back.matrix() == m)
        let d = NPYArray(shape: [4], dtype: .float64, values: [1, 2.5, -3, 1e-310])
        #expect(try NPY.decode(NPY.encode(d)) == d)
        let u = NPYArray(shape: [2, 2], dtype: .uint8, values: [0, 1, 2, 255])
        let enc = NPY.encode(u)
        #expect(enc.count % 64 == 4)  // header aligned to 64, then 4 bytes of data
        #expect(try NPY.decode(enc) == u)
    }

    @Test(arguments: [
        ("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16, "Fortran-order"),
        ("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 16, "object arrays"),
        ("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", 16, "unsupported dtype"),
        ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, "structured"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 12, "needs 16"),
        ("{'descr': '<f4', 'shape': (2, 2), }", 16, "fortran_order"),
    ])
    func rejectsWithAClearMessage(header: String, bytes: Int, message: String) {
        do {
            _ = try NPY.decode(file(major: 1, header: header, payload: [UInt8](repeating: 0, count: bytes)))
            Issue.record("expected: \(message)")
        } catch {
            #expect("\(error)".contains(message), "got: \(error)")
        }
        #expect(throws: NPYError.self) { try NPY.decode(Data("not numpy".utf8)) }
    }
}

struct EmbeddingManifestTests {
    /// Two environments, two checkpoints, written to an in-memory file map.
    func directory(nanIn: String? = nil) -> (EmbeddingManifest, [String: Data]) {
        var files: [String: Data] = [:]
        var r = RandomStream(key: RandomKey("manifest"))
        var cps: [EmbeddingManifest.Checkpoint] = []
        for stage in 0..<2 {
            var envs: [String: EmbeddingManifest.Files] = [:]
            for e in ["a", "b"] {
                var img = r.normalMatrix(rows: 12, cols: 4)
                for i in 0..<12 { img[i, 0] += 2 }
                let name = "s\(stage)-\(e)"
                if nanIn == name { img[3, 2] = .nan }
                files[name + "-img.npy"] = NPY.encode(NPYArray(img))
                files[name + "-txt.npy"] = NPY.encode(NPYArray(r.normalMatrix(rows: 12, cols: 4)))
                files[name + "-lab.npy"] = NPY.encode(NPYArray(shape: [12], dtype: .uint8, values: (0..<12).map { Double($0 % 3) }))
                files[name + "-cls.npy"] = NPY.encode(NPYArray(r.normalMatrix(rows: 3, cols: 4)))
                envs[e] = .init(images: name + "-img.npy", captions: name + "-txt.npy", labels: name + "-lab.npy", classTexts: name + "-cls.npy")
            }
            cps.append(.init(stage: stage, trained: stage == 0 ? nil : "b", environments: envs))
        }
        return (EmbeddingManifest(format: EmbeddingManifest.formatName, environments: ["a", "b"], checkpoints: cps), files)
    }

    @Test func computesEveryScore() throws {
        let (m, files) = directory()
        let rep = try ContributionReport.compute(m) { files[$0]! }
        #expect(rep.checkpoints.count == 2)
        #expect(rep.checkpoints[0].pairs.count == 3)  // aa, ab, bb
        #expect(rep.checkpoints[1].environments[0].driftVision != nil)
        #expect(rep.checkpoints[0].environments[0].iimm != nil)
        // Stage 1 trains b; b was not trained before, and a was never trained: no earlier environment.
        #expect(rep.stageContributions.isEmpty)
        // The pair score equals the mean cosine over all sample pairs, computed in Double from the stored arrays.
        let img = try NPY.decode(files["s0-a-img.npy"]!), img2 = try NPY.decode(files["s0-b-img.npy"]!)
        #expect(abs(rep.checkpoints[0].pairs[1].scores.vision - meanCosine(img, img2)) < 1e-6)
    }

    /// E cos(a_i, b_j) over all pairs, by the definition.
    func meanCosine(_ a: NPYArray, _ b: NPYArray) -> Double {
        let d = a.shape[1]
        func row(_ x: NPYArray, _ i: Int) -> [Double] { Array(x.values[(i * d)..<((i + 1) * d)]) }
        var s = 0.0
        for i in 0..<a.shape[0] {
            for j in 0..<b.shape[0] {
                let u = row(a, i), v = row(b, j)
                let dot = zip(u, v).map(*).reduce(0, +)
                s += dot / (u.map { $0 * $0 }.reduce(0, +).squareRoot() * v.map { $0 * $0 }.reduce(0, +).squareRoot())
            }
        }
        return s / Double(a.shape[0] * b.shape[0])
    }

    /// Rows of norm about 1e-6 are made unit length: the scores do not change when every
    /// embedding is scaled down (with the epsilon inside the square root they did, by ~10%).
    @Test func tinyNormRowsAreNormalisedExactly() throws {
        let (m, files) = directory()
        var tiny = files
        for (name, data) in files where name.hasSuffix("-img.npy") || name.hasSuffix("-txt.npy") {
            let a = try NPY.decode(data)
            tiny[name] = NPY.encode(NPYArray(shape: a.shape, dtype: .float32, values: a.values.map { $0 * 1e-6 }))
        }
        let big = try ContributionReport.compute(m) { files[$0]! }, small = try ContributionReport.compute(m) { tiny[$0]! }
        for (x, y) in zip(big.checkpoints, small.checkpoints) {
            for (e, f) in zip(x.environments, y.environments) {
                #expect(abs(e.matchedAlignment - f.matchedAlignment) < 1e-6, "\(e.matchedAlignment) vs \(f.matchedAlignment)")
                #expect(abs(e.modalityGap - f.modalityGap) < 1e-6)
            }
            for (p, q) in zip(x.pairs, y.pairs) { #expect(abs(p.scores.vision - q.scores.vision) < 1e-6) }
        }
        let img = try NPY.decode(tiny["s0-a-img.npy"]!), img2 = try NPY.decode(tiny["s0-b-img.npy"]!)
        #expect(abs(small.checkpoints[0].pairs[1].scores.vision - meanCosine(img, img2)) < 1e-6)
    }

    /// Crafted headers: a shape whose byte count overflows Int is refused, not a trap, and the
    /// limit is the data the file really has.
    @Test func shapeArithmeticIsChecked() {
        func file(_ shape: String, data: Int) -> Data {
            var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            header += String(repeating: " ", count: 63 - (10 + header.utf8.count) % 64) + "\n"
            return Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
                + Data(header.utf8) + Data(count: data)
        }
        #expect(throws: NPYError("shape [4294967296, 4294967296] of f4 needs more bytes than any file can hold; the file holds 16 bytes of data")) {
            try NPY.decode(file("(4294967296, 4294967296)", data: 16))
        }
        #expect(throws: NPYError("shape [4611686018427387904] of f4 needs more bytes than any file can hold; the file holds 8 bytes of data")) {
            try NPY.decode(file("(4611686018427387904,)", data: 8))
        }
        #expect(throws: NPYError("data holds 8 bytes; shape [1000000, 1000000] of f4 needs 4000000000000")) {
            try NPY.decode(file("(1000000, 1000000)", data: 8))
        }
        #expect(throws: Never.self) { try NPY.decode(file("(2, 0, 3)", data: 0)) }
    }

    /// The size the header implies is checked against the file's size before the data is read.
    @Test func readChecksTheHeaderAgainstTheFileSize() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = NPYArray(shape: [3, 2], dtype: .float32, values: [1, 2, 3, 4, 5, 6])
        try NPY.encode(good).write(to: dir.appendingPathComponent("g.npy"))
        #expect(try NPY.read(path: dir.appendingPathComponent("g.npy").path) == good)
        var bad = NPY.encode(good)
        bad.append(Data(count: 1_000_000))  // a megabyte more than the header says
        try bad.write(to: dir.appendingPathComponent("b.npy"))
        #expect(throws: NPYError("data holds 1000024 bytes; shape [3, 2] of f4 needs 24")) { try NPY.read(path: dir.appendingPathComponent("b.npy").path) }
        #expect(throws: NPYError("is a directory, not a .npy file")) { try NPY.read(path: dir.path) }
    }

    @Test func reportsBadInputPrecisely() throws {
        let (m, files) = directory(nanIn: "s1-a")
        #expect(throws: EmbeddingsError("s1-a-img.npy: contains NaN or infinite values")) {
            try ContributionReport.compute(m) { files[$0]! }
        }
        var (missing, clean) = directory()
        missing.checkpoints[1].environments["b"] = nil
        #expect(throws: EmbeddingsError("manifest.json: checkpoints[1] (stage 1) has no entry for environment 'b'")) {
            try ContributionReport.compute(missing) { clean[$0]! }
        }
        #expect(throws: EmbeddingsError.self) { try EmbeddingManifest.decode(Data("{\"environments\": []}".utf8)) }
    }
}
