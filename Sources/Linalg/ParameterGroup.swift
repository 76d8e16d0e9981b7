/// The three parts of a dual encoder's parameters. Model owns the parameters and Analysis
/// attributes changes to them (Shapley players, coalition bit `rawValue`); both depend on Linalg
/// and on nothing else in common, so the one vocabulary type lives here.
public enum ParameterGroup: Int, CaseIterable, Codable, Sendable {
    case vision = 0, language = 1, shared = 2

    public var name: String {
        switch self {
        case .vision: "vision"
        case .language: "language"
        case .shared: "shared"
        }
    }
}
