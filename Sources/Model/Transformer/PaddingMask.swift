/// Which positions of a padded batch of sequences hold real tokens.
///
/// A batch of `batch` sequences of `length` positions is a (batch * length) x width matrix,
/// sequence-major: row `b * length + i` is position `i` of sequence `b`. Padded positions are
/// never attended to and never pooled; their own rows are computed but carry no meaning.
public struct PaddingMask: Sendable, Equatable {
    public let batch: Int
    public let length: Int
    /// `valid[b * length + i]`: position i of sequence b is a real token.
    public let valid: [Bool]

    public init(batch: Int, length: Int, valid: [Bool]) {
        precondition(batch >= 0 && length >= 0 && valid.count == batch * length,
                     "PaddingMask: \(valid.count) flags for \(batch) sequences of \(length)")
        self.batch = batch
        self.length = length
        self.valid = valid
    }

    /// Each sequence's first `lengths[b]` positions are real (tokenizers pad at the end).
    public init(lengths: [Int], length: Int) {
        precondition(lengths.allSatisfy { $0 >= 0 && $0 <= length }, "PaddingMask: a length exceeds \(length)")
        var v = [Bool](repeating: false, count: lengths.count * length)
        for (b, n) in lengths.enumerated() { for i in 0..<n { v[b * length + i] = true } }
        self.init(batch: lengths.count, length: length, valid: v)
    }

    /// No padding at all (image patches).
    public static func full(batch: Int, length: Int) -> PaddingMask {
        PaddingMask(batch: batch, length: length, valid: [Bool](repeating: true, count: batch * length))
    }

    public var rows: Int { batch * length }

    /// Number of real tokens in sequence b.
    public func count(_ b: Int) -> Int {
        var n = 0
        for i in 0..<length where valid[b * length + i] { n += 1 }
        return n
    }
}
