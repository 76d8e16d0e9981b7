import Analysis

/// How `clvbench import` reads its files (docs/import.md); a JSON line's own fields win over these.
public struct ImportOptions: Sendable {
    public var suite: String
    public var method: String
    public var seed = 0
    /// Training order; the (kept) columns' order when nil.
    public var order: [String]? = nil
    public var codeVersion: String? = nil
    /// The last `heldOut` kept columns are held-out environments.
    public var heldOut = 0
    /// Overrides the scale detected from the values.
    public var scale: AccuracyCSV.Scale? = nil
    /// Column names of a .npy matrix.
    public var columns: [String]? = nil
    public var dropColumns: [String] = []
    /// The first row is the pretrained model (also detected from a `stage` column starting at 0).
    public var baselineRow = false
    public init(suite: String, method: String) { self.suite = suite; self.method = method }
}

/// One run read from a file, validated, before it is stored.
public struct ImportedRun: Sendable, Equatable {
    public var file: String
    /// The JSON line it came from; nil for a whole-file matrix.
    public var line: Int?
    public var suite: String
    public var method: String
    public var seed: Int
    /// Trained environments in training order, then the held-out ones: the matrix's columns.
    public var columns: [String]
    public var matrix: AccuracyMatrix
    /// Cross-entropy per cell, same shape as the matrix, when the file gave one.
    public var loss: [[Double]]?
    public var scale: AccuracyCSV.Scale
    public var codeVersion: String?
    /// Derived figures the file carried (`last`, `forgetting`, ...), in the file's scale.
    public var carried: [String: Double] = [:]
    /// An embeddings directory (docs/embeddings.md) to score contributions from.
    public var embeddings: String?

    public var order: [String] { Array(columns.prefix(matrix.trainedCount)) }
    public var heldOut: [String] { Array(columns.dropFirst(matrix.trainedCount)) }
    var place: String { "\(file)\(line.map { ":\($0)" } ?? "")" }
}
