import Analysis
import Environments
import Foundation

/// The paper's order costs (T3) of a suite from one forward pass of its pretrained model: the
/// trained environments are embedded once (the pretrained model comes from the cache, or is
/// pretrained once and cached) and nothing is fine-tuned.
public struct PretrainedOrders: Sendable {
    public var model: String
    public var similarity: SimilaritySetting
    /// Con scores between the trained environments (world order) at the pretrained model.
    public var scores: ConScores

    /// `model`: a name on the suite's models axis (nil: the first); `similarity`: nil for the first setting.
    public init(suite: Suite, model: String? = nil, similarity: SimilaritySetting? = nil, log: ((String) -> Void)? = nil) throws {
        guard let spec = model.map({ m in suite.models.first { $0.name == m } }) ?? suite.models.first else {
            throw SuiteError(file: suite.path, line: nil, field: "models",
                             message: "no model '\(model ?? "")' in the suite; its models: \(suite.models.map(\.name).joined(separator: ", "))")
        }
        let sim = similarity ?? suite.similarities[0]
        let trained = suite.environmentNames.count
        guard trained >= 2 else {
            throw SuiteError(file: suite.path, line: nil, field: "world.trained",
                             message: "orders need at least 2 trained environments, the suite has \(trained)")
        }
        var settings = suite.settings
        settings.model = spec.description
        let world = try PreparedWorld(settings: settings, similarity: sim, log: log)
        let envs = world.trainedEnvironments
        self.model = spec.name
        self.similarity = sim
        scores = ConScores(environments: envs.map { world.data.names[$0] }, summaries: envs.map { world.baseline.summaries[$0] })
    }

    /// Indices of an explicit order in `names` (the trained environments), or why it is not an order of them.
    public static func indices(of order: [String], in names: [String]) throws -> [Int] {
        var out: [Int] = []
        for n in order {
            guard let i = names.firstIndex(of: n) else {
                throw OrderNameError(message: "order '\(order.joined(separator: ","))' names '\(n)', which is not a trained environment; trained: \(names.joined(separator: ", "))")
            }
            out.append(i)
        }
        guard Set(out).count == names.count, out.count == names.count else {
            throw OrderNameError(message: "order '\(order.joined(separator: ","))' must name each of the \(names.count) trained environments once: \(names.joined(separator: ", "))")
        }
        return out
    }
}

/// An explicit order that is not a permutation of the trained environments.
public struct OrderNameError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
