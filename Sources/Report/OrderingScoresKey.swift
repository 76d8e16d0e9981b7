import Analysis

/// Which pretrained model's scores: the suite, the model on its axis and the similarity setting.
public struct OrderingScoresKey: Hashable, Sendable {
    public var suite: String
    public var model: String
    public var sv: Double
    public var sl: Double

    public init(suite: String, model: String, sv: Double, sl: Double) {
        self.suite = suite
        self.model = model
        self.sv = sv
        self.sl = sl
    }
}
