import Linalg

/// One number per parameter group of the dual encoder: the Shapley attribution of a stage's
/// accuracy or loss change to its vision, language and shared (logit scale) updates. Named
/// fields, not a positional array, so swapping two groups cannot type-check.
public struct GroupValues: Sendable, Equatable, Codable {
    public var vision: Double, language: Double, shared: Double

    public init(vision: Double, language: Double, shared: Double) {
        self.vision = vision; self.language = language; self.shared = shared
    }

    public static let zero = GroupValues(vision: 0, language: 0, shared: 0)

    public subscript(group group: ParameterGroup) -> Double {
        get {
            switch group {
            case .vision: vision
            case .language: language
            case .shared: shared
            }
        }
        set {
            switch group {
            case .vision: vision = newValue
            case .language: language = newValue
            case .shared: shared = newValue
            }
        }
    }

    /// Exact Shapley values of the game whose coalitions are bit masks over the groups
    /// (bit `ParameterGroup.rawValue`): `worth(0)` is the model before the stage, `worth(7)` after.
    public static func shapley(worth: (Int) -> Double) -> GroupValues {
        let phi = shapleyValues(players: ParameterGroup.allCases.count, value: worth)
        return GroupValues(vision: phi[ParameterGroup.vision.rawValue], language: phi[ParameterGroup.language.rawValue],
                           shared: phi[ParameterGroup.shared.rawValue])
    }

    /// The values in `ParameterGroup` order, for outputs that list them (`cell --json`).
    public var ordered: [Double] { ParameterGroup.allCases.map { self[group: $0] } }

    /// The groups' names in the same order ("vision", "language", "shared").
    public static let orderedNames = ParameterGroup.allCases.map(\.name)

    /// The coalition holding every group.
    public static let allGroups = (1 << ParameterGroup.allCases.count) - 1
}
