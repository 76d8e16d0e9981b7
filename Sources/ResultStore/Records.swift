import Analysis

/// What the store keeps of one run, in plain values: the harness fills it, the store writes it
/// in one transaction. (ResultStore does not know the model or the harness.)
public struct RunRecord: Sendable, Equatable {
    public struct Provenance: Sendable, Equatable {
        public var commit: String
        public var dirty: Bool
        public var cpu: String
        public var cores: Int
        public var os: String
        public var swift: String
        public var openblas: String
        public var openblasCore: String
        public var threads: Int
        public init(commit: String, dirty: Bool, cpu: String, cores: Int, os: String, swift: String,
                    openblas: String, openblasCore: String, threads: Int) {
            self.commit = commit; self.dirty = dirty; self.cpu = cpu; self.cores = cores; self.os = os
            self.swift = swift; self.openblas = openblas; self.openblasCore = openblasCore; self.threads = threads
        }
        var machineFingerprint: String { [cpu, "\(cores)", os, swift, openblas].joined(separator: "|") }
    }

    public struct AccuracyRow: Sendable, Equatable {
        public var stage: Int, column: Int, environment: String, heldOut: Bool, accuracy: Double, loss: Double
        public init(stage: Int, column: Int, environment: String, heldOut: Bool, accuracy: Double, loss: Double) {
            self.stage = stage; self.column = column; self.environment = environment; self.heldOut = heldOut
            self.accuracy = accuracy; self.loss = loss
        }
    }

    /// What stage t did to an earlier environment s: the contribution scores (DESIGN.md section 5)
    /// and the forgetting f(s, t) = R[t-1][s] - R[t][s]. The harness makes these (as
    /// `StageContribution`), the store keeps them, pages read them: one type throughout.
    public struct ContributionRow: Sendable, Equatable, Codable {
        public var stage: Int, trained: String, earlier: String
        public var sv: Double, sl: Double, sxEarlierTrained: Double, sxTrainedEarlier: Double
        public var driftVision: Double, driftLanguage: Double, forgetting: Double
        public init(stage: Int, trained: String, earlier: String, sv: Double, sl: Double, sxEarlierTrained: Double,
                    sxTrainedEarlier: Double, driftVision: Double, driftLanguage: Double, forgetting: Double) {
            self.stage = stage; self.trained = trained; self.earlier = earlier; self.sv = sv; self.sl = sl
            self.sxEarlierTrained = sxEarlierTrained; self.sxTrainedEarlier = sxTrainedEarlier
            self.driftVision = driftVision; self.driftLanguage = driftLanguage; self.forgetting = forgetting
        }

        public var scores: [Double] { [sv, sl, sxEarlierTrained, sxTrainedEarlier, driftVision, driftLanguage] }
    }

    /// Exact Shapley attribution of R[t][e] - R[t-1][e] to the stage's vision, language and
    /// shared updates (the harness's `StageAttribution`).
    public struct AttributionRow: Sendable, Equatable, Codable {
        public var stage: Int, environment: String
        public var accuracy: GroupValues, loss: GroupValues
        public init(stage: Int, environment: String, accuracy: GroupValues, loss: GroupValues) {
            self.stage = stage; self.environment = environment; self.accuracy = accuracy; self.loss = loss
        }
    }

    /// One environment's evaluation pairs at one stage's checkpoint: what the embeddings say
    /// beyond accuracy (the harness makes these, the store keeps them, pages show them).
    public struct EmbeddingRow: Sendable, Equatable, Codable {
        public var stage: Int, environment: String, alignment: Double, modalityGap: Double
        /// Symmetric InfoNCE over the environment's evaluation pairs at the checkpoint's logit
        /// scale: the CLIP term of T1's ΔCLIP. Nil for external and imported runs (no logit scale).
        public var clipLoss: Double?
        public init(stage: Int, environment: String, alignment: Double, modalityGap: Double, clipLoss: Double? = nil) {
            self.stage = stage; self.environment = environment; self.alignment = alignment; self.modalityGap = modalityGap
            self.clipLoss = clipLoss
        }
    }

    /// OOD detection of one ordered pair of trained environments at one stage's checkpoint: MCM
    /// over `inEnvironment`'s class prompts (τ = 1), its evaluation images in, `outEnvironment`'s
    /// out; with Con_I→T(in, out) at the same checkpoint, for the paper's Con-vs-AUROC correlation.
    public struct OODPairRow: Sendable, Equatable, Codable {
        public var stage: Int, inEnvironment: String, outEnvironment: String, auroc: Double, conImageToText: Double
        public init(stage: Int, inEnvironment: String, outEnvironment: String, auroc: Double, conImageToText: Double) {
            self.stage = stage; self.inEnvironment = inEnvironment; self.outEnvironment = outEnvironment
            self.auroc = auroc; self.conImageToText = conImageToText
        }
    }

    /// The cumulative OOD AUROC after a stage: the environments trained so far (their evaluation
    /// images, the union of their class prompts) against the held-out environments' images.
    public struct OODCumulativeRow: Sendable, Equatable, Codable {
        public var stage: Int, auroc: Double
        public init(stage: Int, auroc: Double) { self.stage = stage; self.auroc = auroc }
    }

    /// The paper's four contribution scores (DESIGN.md section 10) of one ordered pair (a, b),
    /// a ≠ b, of trained environments at one stage's checkpoint (stage 0 = pretrained):
    /// Con_I→T = mV(a)·mL(b), Con_T→I = mL(a)·mV(b), Con_I→I = mV(a)·mV(b), Con_T→T = mL(a)·mL(b).
    public struct ConPairRow: Sendable, Equatable, Codable {
        public var stage: Int, environmentA: String, environmentB: String
        public var conImageToText: Double, conTextToImage: Double, conImageToImage: Double, conTextToText: Double
        public init(stage: Int, environmentA: String, environmentB: String, conImageToText: Double, conTextToImage: Double,
                    conImageToImage: Double, conTextToText: Double) {
            self.stage = stage; self.environmentA = environmentA; self.environmentB = environmentB
            self.conImageToText = conImageToText; self.conTextToImage = conTextToImage
            self.conImageToImage = conImageToImage; self.conTextToText = conTextToText
        }
    }

    /// The gradient alignment of one stage k ≥ 2 of an adaptive built-in run: its first
    /// gradient against the earlier environments' prompt-loss gradient at the weights before it.
    public struct GradientAlignmentRow: Sendable, Equatable, Codable {
        public var stage: Int
        public var alignment: GradientAlignment
        public init(stage: Int, alignment: GradientAlignment) { self.stage = stage; self.alignment = alignment }

        /// The per-group figures by column stem ("cosine" → cosine_vision, cosine_language,
        /// cosine_shared), in the table's column order: the one spelling the store's writes,
        /// reads and the jsonl export share.
        static let groupStems = ["cosine", "new_norm", "old_norm", "scale"]

        static func groupFigures(_ a: GradientAlignment) -> [GroupValues] { [a.groupCosine, a.newNorm, a.oldNorm, a.scale] }

        /// Every column after `stage`, in the table's order.
        public static let columns = ["cosine", "unscaled_cosine"]
            + groupStems.flatMap { stem in GroupValues.orderedNames.map { "\(stem)_\($0)" } }

        /// The values of `columns`, in the same order.
        public var values: [Double] {
            [alignment.cosine, alignment.unscaledCosine]
                + Self.groupFigures(alignment).flatMap(\.ordered)
        }
    }

    public enum Status: String, Sendable { case done, failed, diverged }

    public var cellHash: String
    public var suiteName: String
    public var suiteHash: String
    public var suiteText: String
    /// What pages and exports call the method: its name and the parameters that differ from
    /// the defaults ("finetune lr=0.01"); the `method` column.
    public var methodLabel: String
    /// The method's name in the catalog ("finetune"), which the label starts with.
    public var methodName: String
    public var methodParameters: String  // JSON object
    /// The model's name on the suite's `models:` axis ("mlp-bag" for suites without one).
    public var model = "mlp-bag"
    /// The run's protocol on the suite's `protocols:` axis: "adaptive" (encoders tuned) or
    /// "frozen" (encoders fixed, a shared linear head trained); "adaptive" before v6.
    public var trainingProtocol = "adaptive"
    public var external: Bool
    public var externalCommand: String?
    public var sv: Double
    public var sl: Double
    public var seed: Int
    public var order: [String]
    public var status: Status
    public var message: String?
    /// What an external process wrote to standard error (its tail), if any.
    public var log: String?
    /// Mean over pairs of trained environments of mV(a)·mV(b) (mL for SL) under the pretrained
    /// model: how concentrated the environments' embeddings are, not how alike they are (it falls
    /// as `sv` rises). Kept under its old column name; pages call it "mean cross-environment cosine".
    public var measuredSV: Double?
    public var measuredSL: Double?
    /// The similarity that follows the dials: 1 − normalised MMD² between the trained
    /// environments' pretrained embeddings, mean over pairs (DistributionSimilarity), images and
    /// captions. Nil for runs stored before schema v9 and for imported runs.
    public var similarityImages: Double?
    public var similarityCaptions: Double?
    public var wallSeconds: Double
    public var finishedAt: String
    public var provenance: Provenance
    public var accuracy: [AccuracyRow] = []
    public var metrics: [String: Double?] = [:]
    public var contributions: [ContributionRow] = []
    public var attributions: [AttributionRow] = []
    public var embeddings: [EmbeddingRow] = []
    /// OOD detection per checkpoint (schema v8); empty for external and imported runs and runs stored before it.
    public var oodPairs: [OODPairRow] = []
    public var oodCumulative: [OODCumulativeRow] = []
    /// The four contribution scores of every ordered pair of trained environments at every
    /// checkpoint (schema v10); empty for imported runs and runs stored before it.
    public var conPairs: [ConPairRow] = []
    /// Gradient alignment per stage k ≥ 2 (schema v11); adaptive built-in runs only: frozen,
    /// external and imported runs and runs stored before it have none.
    public var gradientAlignment: [GradientAlignmentRow] = []
    /// The method's own code version (external and imported runs); nil for built-in methods.
    public var methodVersion: MethodVersion?
    /// Set for a run read from a file by `clvbench import`.
    public var importSource: ImportSource?
    /// False when the accuracy rows' losses are unknown (stored as 0): an import without a loss matrix.
    public var lossKnown = true

    public init(cellHash: String, suiteName: String, suiteHash: String, suiteText: String, methodLabel: String,
                methodName: String, methodParameters: String, external: Bool = false, externalCommand: String? = nil,
                sv: Double, sl: Double, seed: Int, order: [String], status: Status, message: String? = nil,
                measuredSV: Double? = nil, measuredSL: Double? = nil, wallSeconds: Double, finishedAt: String,
                provenance: Provenance) {
        self.cellHash = cellHash; self.suiteName = suiteName; self.suiteHash = suiteHash; self.suiteText = suiteText
        self.methodLabel = methodLabel; self.methodName = methodName; self.methodParameters = methodParameters
        self.external = external; self.externalCommand = externalCommand; self.sv = sv; self.sl = sl; self.seed = seed
        self.order = order; self.status = status; self.message = message; self.measuredSV = measuredSV
        self.measuredSL = measuredSL; self.wallSeconds = wallSeconds; self.finishedAt = finishedAt
        self.provenance = provenance
    }

    /// The run's identity: the cell and the code version that ran it (the method's own, where
    /// it has one, so a built-in baseline's identity never includes an external repository).
    public var runKey: String {
        if let m = methodVersion { return RunRecord.runKey(cellHash: cellHash, commit: m.commit, dirty: m.dirty) }
        return RunRecord.runKey(cellHash: cellHash, commit: provenance.commit, dirty: provenance.dirty)
    }

    public static func runKey(cellHash: String, commit: String, dirty: Bool) -> String {
        "\(cellHash)@\(versionLabel(commit: commit, dirty: dirty))"
    }

    public var orderKey: String { order.joined(separator: ">") }
}
