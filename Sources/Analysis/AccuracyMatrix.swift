/// An accuracy matrix R: row t holds accuracies after stage t, columns are the trained
/// environments in training order followed by the held-out ones (DESIGN.md section 5).
///
/// With a baseline, row 0 is the pretrained model and there are T + 1 rows; without one
/// (results from elsewhere may lack it) the rows are stages 1..T and metrics that need row 0
/// are reported as unavailable, never as zero.
public struct AccuracyMatrix: Equatable, Sendable {
    /// Values are fractions in [0, 1].
    public var values: [[Double]]
    public var trainedCount: Int
    public var heldOutCount: Int
    public var hasBaseline: Bool

    public enum ShapeError: Error, Equatable, CustomStringConvertible {
        case ragged(row: Int, expected: Int, found: Int)
        case wrongRowCount(expected: Int, found: Int, hasBaseline: Bool)
        case noTrainedEnvironments
        case outOfRange(row: Int, column: Int, value: Double)

        public var description: String {
            switch self {
            case .ragged(let r, let e, let f): return "row \(r) has \(f) values, expected \(e)"
            case .wrongRowCount(let e, let f, let b):
                return "\(f) rows for \(e - (b ? 1 : 0)) trained environments; expected \(e) "
                    + (b ? "(row 0 is the pretrained model, then one row per stage)" : "(one row per stage)")
            case .noTrainedEnvironments: return "no trained environments (every column is held out)"
            case .outOfRange(let r, let c, let v): return "value \(v) at row \(r), column \(c) is outside [0, 1]"
            }
        }
    }

    public init(values: [[Double]], heldOutCount: Int = 0, hasBaseline: Bool = true) throws {
        let cols = values.first?.count ?? 0
        for (i, row) in values.enumerated() where row.count != cols {
            throw ShapeError.ragged(row: i, expected: cols, found: row.count)
        }
        let t = cols - heldOutCount
        guard t >= 1 else { throw ShapeError.noTrainedEnvironments }
        let expectedRows = t + (hasBaseline ? 1 : 0)
        guard values.count == expectedRows else {
            throw ShapeError.wrongRowCount(expected: expectedRows, found: values.count, hasBaseline: hasBaseline)
        }
        for (i, row) in values.enumerated() {
            for (j, v) in row.enumerated() where !(v >= 0 && v <= 1) {
                throw ShapeError.outOfRange(row: i, column: j, value: v)
            }
        }
        self.values = values
        self.trainedCount = t
        self.heldOutCount = heldOutCount
        self.hasBaseline = hasBaseline
    }

    /// R[stage][column] with stages numbered as in DESIGN.md (0 = pretrained, 1..T).
    /// Returns nil for stage 0 when there is no baseline row.
    public func at(stage: Int, column: Int) -> Double? {
        let row = hasBaseline ? stage : stage - 1
        guard row >= 0 && row < values.count else { return nil }
        return values[row][column]
    }

    /// R[stage][column] for a stage known to exist (1..T, or 0 with a baseline).
    func r(_ stage: Int, _ column: Int) -> Double { at(stage: stage, column: column)! }
}
