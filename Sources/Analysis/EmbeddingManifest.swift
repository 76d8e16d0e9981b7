import Foundation
import Linalg

/// The layout of an embeddings directory (docs/embeddings.md): a manifest.json naming, per
/// checkpoint and environment, .npy files of unit image and caption embeddings (matched by
/// row), and optionally labels and class-prompt embeddings for IIMM.
/// A problem with an embeddings directory: its manifest, or one of the arrays it names (the
/// file named first). NPY's own errors are about one file's bytes; these are about the layout.
public struct EmbeddingsError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct EmbeddingManifest: Codable, Sendable {
    public struct Files: Codable, Sendable {
        public var images: String
        public var captions: String
        public var labels: String?
        public var classTexts: String?
        enum CodingKeys: String, CodingKey { case images, captions, labels, classTexts = "class_texts" }
    }

    public struct Checkpoint: Codable, Sendable {
        public var stage: Int
        /// The environment trained at this stage (absent for the pretrained checkpoint).
        public var trained: String?
        public var environments: [String: Files]
    }

    public var format: String?
    public var environments: [String]
    public var checkpoints: [Checkpoint]

    public static let formatName = "clvbench-embeddings/1"

    public static func decode(_ data: Data) throws -> EmbeddingManifest {
        do {
            return try JSONDecoder().decode(EmbeddingManifest.self, from: data)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw EmbeddingsError("manifest.json: missing field '\(path(ctx.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw EmbeddingsError("manifest.json: field '\(path(ctx.codingPath))' has the wrong type: \(ctx.debugDescription)")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw EmbeddingsError("manifest.json: not valid JSON (\(ctx.underlyingError.map { "\($0)" } ?? ctx.debugDescription))")
        } catch {
            throw EmbeddingsError("manifest.json: \(error)")
        }
    }

    /// What JSON decoding cannot check: the format, environment names (printable, unique) and
    /// stages (0 or more, increasing).
    public func validate() throws {
        if let f = format, f != Self.formatName {
            throw EmbeddingsError("manifest.json: 'format' is '\(TextCheck.visible(f))'; this clvbench reads '\(Self.formatName)'")
        }
        for (i, name) in environments.enumerated() {
            if let problem = TextCheck.nameProblem(name) {
                throw EmbeddingsError("manifest.json: environments[\(i)] '\(TextCheck.visible(name))' \(problem)")
            }
            if environments[..<i].contains(name) {
                throw EmbeddingsError("manifest.json: 'environments' names '\(name)' twice (entries \(environments.firstIndex(of: name)!) and \(i))")
            }
        }
        for (i, cp) in checkpoints.enumerated() {
            guard cp.stage >= 0 else { throw EmbeddingsError("manifest.json: checkpoints[\(i)].stage is \(cp.stage); stages are 0 or more") }
            if i > 0, cp.stage <= checkpoints[i - 1].stage {
                throw EmbeddingsError("manifest.json: checkpoints[\(i)].stage is \(cp.stage), not after checkpoints[\(i - 1)].stage \(checkpoints[i - 1].stage); list checkpoints in stage order")
            }
        }
    }

    static func path(_ keys: [CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

/// A 2-D array with each row divided by its exact Euclidean norm (in Double, no epsilon, so a
/// row of norm 1e-6 comes out unit length); a row of norm 0 has no direction and is refused.
func unitRows(_ a: NPYArray, _ file: String) throws -> Matrix {
    let rows = a.shape[0], cols = a.shape[1]
    var storage = [Float](repeating: 0, count: rows * cols)
    for i in 0..<rows {
        // Scaled by the largest entry so that squaring cannot overflow or underflow.
        var m = 0.0
        for j in 0..<cols { m = max(m, abs(a.values[i * cols + j])) }
        var s = 0.0
        if m > 0 { for j in 0..<cols { let x = a.values[i * cols + j] / m; s += x * x } }
        let norm = m * s.squareRoot()
        guard norm > 0, norm.isFinite else {
            throw EmbeddingsError("\(file): row \(i) has norm \(norm == 0 ? "0" : "\(norm)"); an embedding needs a direction (a non-zero, finite vector)")
        }
        for j in 0..<cols { storage[i * cols + j] = Float(a.values[i * cols + j] / norm) }
    }
    return Matrix(rows: rows, cols: cols, storage: storage)
}

/// Every contribution score of an embeddings directory.
public struct ContributionReport: Codable, Sendable {
    public struct EnvironmentStats: Codable, Sendable {
        public var environment: String
        public var n: Int
        public var matchedAlignment: Double
        public var modalityGap: Double
        public var iimm: Double?
        public var driftVision: Double?
        public var driftLanguage: Double?
    }
    public struct Pair: Codable, Sendable {
        public var a: String
        public var b: String
        public var scores: PairScores
    }
    /// What stage t, training e_t, looked like from an earlier environment e_s.
    public struct StageContribution: Codable, Sendable {
        public var stage: Int
        public var trained: String
        public var earlier: String
        public var sv: Double, sl: Double, sxEarlierTrained: Double, sxTrainedEarlier: Double
        public var driftVision: Double?, driftLanguage: Double?
    }
    public struct CheckpointScores: Codable, Sendable {
        public var stage: Int
        public var trained: String?
        public var environments: [EnvironmentStats]
        public var pairs: [Pair]
    }

    public var checkpoints: [CheckpointScores]
    public var stageContributions: [StageContribution]

    /// Computes the report. `read` returns a file's bytes given its path relative to the
    /// directory (injected, so this stays free of I/O and testable).
    public static func compute(_ manifest: EmbeddingManifest, read: (String) throws -> Data) throws -> ContributionReport {
        try compute(manifest, array: { try NPY.decode(read($0)) })
    }

    /// As above with `array` reading a named file as an array (so a file's size can be checked
    /// against its header before it is read, `NPY.read(path:)`).
    public static func compute(_ manifest: EmbeddingManifest, array: (String) throws -> NPYArray) throws -> ContributionReport {
        guard !manifest.environments.isEmpty else { throw EmbeddingsError("manifest.json: 'environments' is empty") }
        guard !manifest.checkpoints.isEmpty else { throw EmbeddingsError("manifest.json: 'checkpoints' is empty") }
        try manifest.validate()
        let envs = manifest.environments
        func load(_ file: String) throws -> NPYArray {
            do { return try array(file) } catch let e as NPYError { throw EmbeddingsError(e.message.hasPrefix(file) ? e.message : "\(file): \(e.message)") }
        }
        /// Every embedding file has the dimension of the first one read.
        var dimension: (d: Int, file: String)?
        func matrix(_ file: String) throws -> Matrix {
            let a = try load(file)
            guard a.shape.count == 2, a.shape[0] >= 2, a.shape[1] >= 1 else {
                throw EmbeddingsError("\(file): expected a 2-D array (samples x dimensions) with at least 2 rows, found shape \(a.shape)")
            }
            guard a.values.allSatisfy(\.isFinite) else { throw EmbeddingsError("\(file): contains NaN or infinite values") }
            if let (d, first) = dimension, d != a.shape[1] {
                throw EmbeddingsError("\(file): \(a.shape[1]) dimensions; \(first) has \(d), and every embedding must have the same")
            }
            if dimension == nil { dimension = (a.shape[1], file) }
            return try unitRows(a, file)
        }

        var loaded: [[String: EnvironmentEmbeddings]] = []
        for (ci, cp) in manifest.checkpoints.enumerated() {
            var byEnv: [String: EnvironmentEmbeddings] = [:]
            for name in cp.environments.keys where !envs.contains(name) {
                throw EmbeddingsError("manifest.json: checkpoints[\(ci)] names environment '\(name)', which is not in 'environments'")
            }
            if let t = cp.trained, !envs.contains(t) {
                throw EmbeddingsError("manifest.json: checkpoints[\(ci)].trained is '\(t)', which is not in 'environments'")
            }
            for name in envs {
                guard let files = cp.environments[name] else {
                    throw EmbeddingsError("manifest.json: checkpoints[\(ci)] (stage \(cp.stage)) has no entry for environment '\(name)'")
                }
                let images = try matrix(files.images), captions = try matrix(files.captions)
                guard images.rows == captions.rows, images.cols == captions.cols else {
                    throw EmbeddingsError("\(files.captions): shape \(captions.rows)x\(captions.cols) does not match the images' \(images.rows)x\(images.cols)")
                }
                var labels: [Int]?
                var classTexts: Matrix?
                if let lf = files.labels, let tf = files.classTexts {
                    let l = try load(lf)
                    classTexts = try matrix(tf)
                    guard l.values.count == images.rows else {
                        throw EmbeddingsError("\(lf): \(l.values.count) labels for \(images.rows) images")
                    }
                    for (k, v) in l.values.enumerated() where v != v.rounded() || v < 0 || v >= Double(classTexts!.rows) {
                        throw EmbeddingsError("\(lf): label \(v) of sample \(k) is not a class index in 0..<\(classTexts!.rows)")
                    }
                    labels = l.values.map { Int($0) }
                    guard classTexts!.cols == images.cols else {
                        throw EmbeddingsError("\(tf): \(classTexts!.cols) dimensions, the images have \(images.cols)")
                    }
                }
                byEnv[name] = EnvironmentEmbeddings(images: images, captions: captions, labels: labels, classTexts: classTexts)
            }
            loaded.append(byEnv)
        }

        var out: [CheckpointScores] = []
        var contributions: [StageContribution] = []
        var trainedSoFar: [String] = []
        for (ci, cp) in manifest.checkpoints.enumerated() {
            let cur = loaded[ci]
            let summaries = cur.mapValues(EmbeddingSummary.init)
            var stats: [EnvironmentStats] = []
            for name in envs {
                let e = cur[name]!, s = summaries[name]!
                var dv: Double?, dl: Double?
                if ci > 0, let prev = loaded[ci - 1][name], prev.count == e.count {
                    dv = drift(e.images, prev.images)
                    dl = drift(e.captions, prev.captions)
                }
                stats.append(EnvironmentStats(environment: name, n: e.count, matchedAlignment: s.matchedAlignment,
                                              modalityGap: s.modalityGap, iimm: iimm(e)?.iimm,
                                              driftVision: dv, driftLanguage: dl))
            }
            var pairs: [Pair] = []
            for (i, a) in envs.enumerated() {
                for b in envs[i...] {
                    pairs.append(Pair(a: a, b: b, scores: pairScores(summaries[a]!, summaries[b]!, samePopulation: a == b)))
                }
            }
            // Stage t's contribution to each earlier environment uses checkpoint t-1's scores.
            if ci > 0, let trained = cp.trained {
                let prev = loaded[ci - 1].mapValues(EmbeddingSummary.init)
                for earlier in trainedSoFar where earlier != trained {
                    let sc = pairScores(prev[earlier]!, prev[trained]!)
                    let st = stats.first { $0.environment == earlier }!
                    contributions.append(StageContribution(
                        stage: cp.stage, trained: trained, earlier: earlier, sv: sc.vision, sl: sc.language,
                        sxEarlierTrained: sc.crossAB, sxTrainedEarlier: sc.crossBA,
                        driftVision: st.driftVision, driftLanguage: st.driftLanguage))
                }
            }
            if let t = cp.trained, !trainedSoFar.contains(t) { trainedSoFar.append(t) }
            out.append(CheckpointScores(stage: cp.stage, trained: cp.trained, environments: stats, pairs: pairs))
        }
        return ContributionReport(checkpoints: out, stageContributions: contributions)
    }
}
