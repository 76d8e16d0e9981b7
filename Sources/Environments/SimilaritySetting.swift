/// Vision and language similarity of the environments, each in [0, 1] (DESIGN.md section 3).
public struct SimilaritySetting: Sendable, Hashable, Codable, CustomStringConvertible {
    public var sv: Double
    public var sl: Double

    public init(sv: Double, sl: Double) {
        precondition((0...1).contains(sv) && (0...1).contains(sl), "similarity dials must be in [0, 1]")
        self.sv = sv
        self.sl = sl
    }

    public var description: String { "sv=\(sv) sl=\(sl)" }
}
