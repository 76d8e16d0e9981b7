import Linalg
import Model

/// Contribution Balance Factor — clvbench's reading of the paper's T2 result (DESIGN.md section
/// 10), which the available digest leaves under-specified. Before each stage, at the current
/// weights, the cross-modal scores between each earlier environment s and the new one t' give
/// p_vision = ΣCon_T→I(s,t') / (ΣCon_I→T(s,t') + ΣCon_T→I(s,t')) and p_language = 1 − p_vision,
/// from the mean unit embeddings of the environments' training pairs. The continuous variant
/// scales each tower's optimiser step by its factor; the binary variant (the paper's "mask")
/// trains only the tower with the larger factor. Stage 1 (nothing earlier) is plain fine-tuning.
public struct CBF: ContinualMethod {
    public static let name = "cbf"
    public static let summary = "Contribution Balance Factor, our reading of the paper's T2: each tower's step scaled (or masked) by a balance of the cross-modal scores"
    public static let parameters: [MethodParameter] = [
        MethodParameter("binary", default: 0, range: 0...1, integer: true,
                        help: "1: train only the tower with the larger factor (the mask); 0: scale each tower's step by its factor"),
    ]

    let binary: Bool
    let objective: TrainingObjective

    public init(validated p: [String: Double]) {
        binary = p["binary"]! == 1
        objective = TrainingObjective(validated: p)
    }

    /// (p_vision, p_language) for training `current` after `earlier`, at `model`'s weights.
    /// A sum of scores that is not positive gives (0.5, 0.5); factors are clamped to [0, 1].
    public static func balance(model: DualEncoder, earlier: [EnvironmentData], current: EnvironmentData) throws -> (vision: Double, language: Double) {
        guard !earlier.isEmpty else { return (1, 1) }
        let (vNew, lNew) = try means(model, current)
        var imageToText = 0.0, textToImage = 0.0
        for e in earlier {
            let (v, l) = try means(model, e)
            imageToText += zip(v, lNew).map(*).reduce(0, +)  // Con_I→T(s, t') = mV(s)·mL(t')
            textToImage += zip(l, vNew).map(*).reduce(0, +)  // Con_T→I(s, t') = mL(s)·mV(t')
        }
        let total = imageToText + textToImage
        guard total > 0 else { return (0.5, 0.5) }
        let p = min(1, max(0, textToImage / total))
        return (p, 1 - p)
    }

    /// Mean unit image and caption embeddings of an environment's training pairs.
    static func means(_ model: DualEncoder, _ e: EnvironmentData) throws -> ([Double], [Double]) {
        guard !e.trainCaptionTokens.isEmpty else { throw MethodError("cbf needs training captions, and environment '\(e.name)' has none") }
        let v = model.encodeImages(e.trainImages).embeddings.l2NormalizedRows().normalized
        let u = model.encodeText(e.trainCaptionTokens).embeddings.l2NormalizedRows().normalized
        func mean(_ m: Matrix) -> [Double] {
            var acc = [Double](repeating: 0, count: m.cols)
            for i in 0..<m.rows { for j in 0..<m.cols { acc[j] += Double(m[i, j]) } }
            return acc.map { $0 / Double(m.rows) }
        }
        return (mean(v), mean(u))
    }

    public mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws {
        var loop = FineTuneLoop(objective: objective)
        if context.environments.count > 1 {
            let f = try Self.balance(model: model, earlier: Array(context.environments.dropLast()), current: context.current)
            if binary {
                loop.frozen = [f.vision >= f.language ? .language : .vision]
            } else {
                loop.updateScale = [.vision: Float(f.vision), .language: Float(f.language)]
            }
        }
        try loop.run(&model, context)
    }
}
