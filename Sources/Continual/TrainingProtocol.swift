/// How a cell trains (DESIGN.md section 10): `adaptive` tunes the encoders, as clvbench always
/// did; `frozen` keeps both encoders fixed and trains one linear head shared by every class of
/// the environments trained so far, on the frozen image embeddings. A grid axis (`protocols:`).
public enum TrainingProtocol: String, Sendable, Codable, CaseIterable, Hashable {
    case adaptive
    case frozen

    public static var names: [String] { allCases.map(\.rawValue) }
}
