import Analysis
import Foundation
import Linalg
import ResultStore

/// `clvbench import`: reads every file first, then stores all their runs in one transaction,
/// so any error leaves the database as it was (docs/import.md).
public enum RunImporter {
    /// A derived figure a file carried that its own matrix does not give.
    public struct Disagreement: Sendable, Equatable, CustomStringConvertible {
        public var place: String
        public var figure: String
        public var given: Double
        /// nil: the matrix gives no value (e.g. forgetting of one trained environment).
        public var computed: Double?
        public var description: String {
            guard let computed else { return "\(place): \(figure): the file says \(given); its matrix gives no value" }
            return "\(place): \(figure): the file says \(given), its matrix gives \(String(format: "%.4f", computed)) "
                + "(difference \(String(format: "%+.4f", computed - given)))"
        }
    }

    public struct Outcome: Sendable, Equatable {
        public var inserted = 0
        public var alreadyStored = 0
        public var disagreements: [Disagreement] = []
        public var runs: [ImportedRun] = []
    }

    /// Figures agree when they differ by at most this, in percentage points (0.005: a figure
    /// printed with two decimals agrees with its exact value).
    public static let tolerancePoints = 0.005

    /// Reads and checks every file; nothing is stored.
    public static func read(files: [String], options: ImportOptions) throws -> [(run: ImportedRun, sha256: String)] {
        var out: [(ImportedRun, String)] = []
        for f in files {
            guard let data = FileManager.default.contents(atPath: f) else {
                throw ImportError(file: f, FileManager.default.fileExists(atPath: f) ? "cannot read the file" : "no such file")
            }
            let sha = ProvenanceProbe.sha256Hex(data)
            out += try ImportReader.read(f, data: data, options: options).map { ($0, sha) }
        }
        return out
    }

    /// Reads, checks and stores. Disagreements are reported, not fatal: the stored figures are
    /// always the matrix's own.
    public static func run(files: [String], options: ImportOptions, store: Store) throws -> Outcome {
        let read = try read(files: files, options: options)
        var outcome = Outcome()
        var records: [RunRecord] = []
        let tool = ProvenanceProbe.codeVersion()
        let finished = ISO8601DateFormatter().string(from: Date())
        var suites: [String: (hash: String, text: String)] = [:]
        for (run, sha) in read {
            let metrics = continualMetrics(run.matrix)
            outcome.disagreements += disagreements(run, metrics)
            if suites[run.suite] == nil {
                suites[run.suite] = try store.suiteText(named: run.suite) ?? {
                    let text = "# runs imported by clvbench import (no suite file)\nname: \(run.suite)\n"
                    return (StableHasher.hex(text), text)
                }()
            }
            var r = try record(run, sha256: sha, metrics: metrics, suite: suites[run.suite]!, tool: tool, finishedAt: finished)
            r.metrics = Dictionary(uniqueKeysWithValues: ContinualMetric.allCases.map { ($0.rawValue, metrics[$0]?.number) })
            records.append(r)
        }
        for o in try store.insertImported(records) {
            if case .inserted = o { outcome.inserted += 1 } else { outcome.alreadyStored += 1 }
        }
        outcome.runs = read.map(\.run)
        return outcome
    }

    /// Every carried figure compared with the matrix's, in the file's scale.
    public static func disagreements(_ run: ImportedRun, _ metrics: [ContinualMetric: MetricValue]) -> [Disagreement] {
        let factor = run.scale == .percent ? 100.0 : 1.0
        let tolerance = tolerancePoints / 100 * factor
        return run.carried.keys.sorted().compactMap { name in
            let given = run.carried[name]!
            guard let m = ContinualMetric(rawValue: name), let value = metrics[m]?.number else {
                return Disagreement(place: run.place, figure: name, given: given, computed: nil)
            }
            let computed = value * factor
            return abs(computed - given) > tolerance ? Disagreement(place: run.place, figure: name, given: given, computed: computed) : nil
        }
    }

    static func record(_ run: ImportedRun, sha256: String, metrics: [ContinualMetric: MetricValue], suite: (hash: String, text: String),
                       tool: (commit: String, dirty: Bool), finishedAt: String) throws -> RunRecord {
        let identity = "imported \(run.suite) \(run.method) seed \(run.seed) order \(run.order.joined(separator: ">")) held-out \(run.heldOut.joined(separator: ","))"
        let provenance = RunRecord.Provenance(commit: tool.commit, dirty: tool.dirty, cpu: "not recorded (imported)", cores: 0, os: "not recorded",
                                              swift: "not recorded", openblas: "not recorded", openblasCore: "not recorded", threads: 0)
        var r = RunRecord(cellHash: StableHasher.hex(identity), suiteName: run.suite, suiteHash: suite.hash, suiteText: suite.text,
                          methodLabel: run.method, methodName: "imported", methodParameters: "{}", sv: 0, sl: 0, seed: run.seed,
                          order: run.order, status: .done, wallSeconds: 0, finishedAt: finishedAt, provenance: provenance)
        r.methodVersion = ProvenanceProbe.methodVersion(explicit: run.codeVersion, repository: nil)
        r.importSource = ImportSource(file: run.file, sha256: sha256)
        r.lossKnown = run.loss != nil
        let m = run.matrix
        for (i, row) in m.values.enumerated() {
            let stage = m.hasBaseline ? i : i + 1
            for (j, a) in row.enumerated() {
                r.accuracy.append(.init(stage: stage, column: j, environment: run.columns[j], heldOut: j >= m.trainedCount,
                                        accuracy: a, loss: run.loss?[i][j] ?? 0))
            }
        }
        if let dir = run.embeddings { try addContributions(&r, run, directory: dir) }
        return r
    }

    /// Contribution scores and embedding statistics from an embeddings directory whose
    /// checkpoint t trained the order's t-th environment; forgetting from the matrix.
    static func addContributions(_ r: inout RunRecord, _ run: ImportedRun, directory: String) throws {
        func fail(_ m: String) -> ImportError { ImportError(file: run.file, line: run.line, "embeddings \(directory): \(m)") }
        guard let data = FileManager.default.contents(atPath: directory + "/manifest.json") else {
            throw fail("no manifest.json (docs/embeddings.md)")
        }
        let report: ContributionReport
        do {
            let manifest = try EmbeddingManifest.decode(data)
            for (ci, cp) in manifest.checkpoints.enumerated() where cp.stage >= 1 {
                guard cp.stage <= run.order.count, cp.trained == run.order[cp.stage - 1] else {
                    throw fail("checkpoints[\(ci)] (stage \(cp.stage)) trained '\(cp.trained ?? "nothing")'; the order trains "
                        + (cp.stage <= run.order.count ? "'\(run.order[cp.stage - 1])'" : "only \(run.order.count) stages"))
                }
            }
            report = try ContributionReport.compute(manifest, array: { name in try NPY.read(path: directory + "/" + name) })
        } catch let e as EmbeddingsError {
            throw fail(e.message)
        }
        let m = run.matrix
        for c in report.stageContributions {
            guard let s = run.order.firstIndex(of: c.earlier), let dv = c.driftVision, let dl = c.driftLanguage,
                  let before = m.at(stage: c.stage - 1, column: s), let after = m.at(stage: c.stage, column: s) else {
                throw fail("stage \(c.stage): needs checkpoint \(c.stage - 1), matrix rows \(c.stage - 1) and \(c.stage), and '\(c.earlier)' among the trained columns")
            }
            r.contributions.append(.init(stage: c.stage, trained: c.trained, earlier: c.earlier, sv: c.sv, sl: c.sl,
                                         sxEarlierTrained: c.sxEarlierTrained, sxTrainedEarlier: c.sxTrainedEarlier,
                                         driftVision: dv, driftLanguage: dl, forgetting: before - after))
        }
        for cp in report.checkpoints {
            for e in cp.environments { r.embeddings.append(.init(stage: cp.stage, environment: e.environment, alignment: e.matchedAlignment, modalityGap: e.modalityGap)) }
        }
        // The four scores of every ordered pair of the order's environments at every checkpoint,
        // both orders from the report's unordered pair (crossAB = mV(a)·mL(b), crossBA = mV(b)·mL(a)),
        // as the store reads them back (by stage, then names).
        let trained = Set(run.order)
        for cp in report.checkpoints {
            for p in cp.pairs where p.a != p.b && trained.contains(p.a) && trained.contains(p.b) {
                let s = p.scores
                r.conPairs.append(.init(stage: cp.stage, environmentA: p.a, environmentB: p.b, conImageToText: s.crossAB,
                                        conTextToImage: s.crossBA, conImageToImage: s.vision, conTextToText: s.language))
                r.conPairs.append(.init(stage: cp.stage, environmentA: p.b, environmentB: p.a, conImageToText: s.crossBA,
                                        conTextToImage: s.crossAB, conImageToImage: s.vision, conTextToText: s.language))
            }
        }
        r.conPairs.sort { ($0.stage, $0.environmentA, $0.environmentB) < ($1.stage, $1.environmentA, $1.environmentB) }
    }
}
