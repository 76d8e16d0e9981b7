import Linalg
import Model

/// Training data of one environment, as the model consumes it.
public struct EnvironmentData: Sendable {
    public var name: String
    public var trainImages: Matrix
    public var trainLabels: [Int]
    /// One row of `maxTokens` ids per class prompt, in class order.
    public var promptTokens: [Int32]
    public var classCount: Int
    /// One row of tokens per training image: its caption, for the objective's CLIP term (empty
    /// when the data has no captions; a CLIP weight above 0 then fails with a message).
    public var trainCaptionTokens: [Int32]

    public init(name: String, trainImages: Matrix, trainLabels: [Int], promptTokens: [Int32], classCount: Int,
                trainCaptionTokens: [Int32] = []) {
        precondition(trainImages.rows == trainLabels.count, "one label per training image")
        precondition(trainCaptionTokens.isEmpty || trainCaptionTokens.count % max(trainImages.rows, 1) == 0,
                     "one caption row per training image")
        self.trainCaptionTokens = trainCaptionTokens
        self.name = name
        self.trainImages = trainImages
        self.trainLabels = trainLabels
        self.promptTokens = promptTokens
        self.classCount = classCount
    }
}

/// How much training a stage gets.
public struct TrainingBudget: Codable, Hashable, Sendable {
    public var epochs: Int = 8
    public var batchSize: Int = 64
    public var optimizer: AdamW.Config = {
        var c = AdamW.Config()
        c.learningRate = 1e-3
        return c
    }()
    public init() {}
}

/// Everything a method needs to train one stage.
public struct StageContext: Sendable {
    /// 1-based stage number.
    public var stage: Int
    /// Environments trained so far, in order; the last one is this stage's.
    public var environments: [EnvironmentData]
    /// Seed of this stage: a hash of (suite seed, method, order prefix), never a global generator.
    public var key: RandomKey
    public var budget: TrainingBudget
    /// Set by the harness to catch the stage's first gradient (the alignment diagnostic); the
    /// loop only writes to it, so training is the same with or without it.
    public var firstGradient: FirstGradientProbe?

    public init(stage: Int, environments: [EnvironmentData], key: RandomKey, budget: TrainingBudget) {
        self.stage = stage
        self.environments = environments
        self.key = key
        self.budget = budget
    }

    public var current: EnvironmentData { environments.last! }
}

/// A declared hyper-parameter: name, default and valid range.
public struct MethodParameter: Sendable {
    public var name: String
    public var defaultValue: Double
    public var range: ClosedRange<Double>
    public var integer: Bool
    public var help: String

    public init(_ name: String, default value: Double, range: ClosedRange<Double>, integer: Bool = false, help: String) {
        self.name = name
        self.defaultValue = value
        self.range = range
        self.integer = integer
        self.help = help
    }
}

/// A hyper-parameter or method problem, naming the method and the parameter.
public struct MethodError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// A continual-learning strategy. A method is a value: its state between stages (a replay
/// buffer, a Fisher estimate, the previous checkpoint) lives in its stored properties, so
/// copying the value snapshots the state, which the planner's prefix sharing relies on.
public protocol ContinualMethod: Sendable {
    static var name: String { get }
    static var summary: String { get }
    static var parameters: [MethodParameter] { get }
    /// Built from validated values: every declared parameter is present.
    init(validated: [String: Double])
    /// Trains `model` on `context.current`, updating the method's own state.
    mutating func train(_ model: inout DualEncoder, _ context: StageContext) throws
    /// The protocols the method can run (default: adaptive only). A suite pairing the method
    /// with another protocol fails at parse time.
    static var protocols: [TrainingProtocol] { get }
    /// The frozen protocol's stage: trains the shared head on `context.current` (encoders untouched).
    mutating func trainHead(_ head: inout LinearHead, _ context: HeadStageContext) throws
}

extension ContinualMethod {
    public static var protocols: [TrainingProtocol] { [.adaptive] }

    public mutating func trainHead(_ head: inout LinearHead, _ context: HeadStageContext) throws {
        throw MethodError("method '\(Self.name)' does not run under the frozen protocol (protocols: \(Self.protocols.map(\.rawValue).joined(separator: ", ")))")
    }

    /// Whether the method can run `p`.
    public static func supports(_ p: TrainingProtocol) -> Bool { protocols.contains(p) }
}

extension ContinualMethod {
    /// Fills defaults and checks names, ranges and integrality.
    public static func validate(_ given: [String: Double]) throws -> [String: Double] {
        var out: [String: Double] = [:]
        let known = Set(declaredParameters.map(\.name))
        for name in given.keys.sorted() where !known.contains(name) {
            let list = "its parameters are " + declaredParameters.map(\.name).joined(separator: ", ")
            throw MethodError("method '\(Self.name)': unknown parameter '\(name)'; \(list)")
        }
        for p in declaredParameters {
            let v = given[p.name] ?? p.defaultValue
            guard v.isFinite, p.range.contains(v) else {
                throw MethodError("method '\(Self.name)': parameter '\(p.name)' must be in \(p.range.lowerBound)...\(p.range.upperBound), got \(v)")
            }
            if p.integer && v != v.rounded() {
                throw MethodError("method '\(Self.name)': parameter '\(p.name)' must be a whole number, got \(v)")
            }
            out[p.name] = v
        }
        return out
    }

    public static func make(_ given: [String: Double]) throws -> Self { Self(validated: try validate(given)) }
}

/// Every built-in method, by name.
public enum MethodCatalog {
    public static let all: [any ContinualMethod.Type] = [
        Finetune.self, FreezeVision.self, FreezeLanguage.self, EWC.self, Replay.self, LwF.self, WiseFT.self, Joint.self, CBF.self,
    ]

    public static var names: [String] { all.map { $0.name } }

    public static func type(named name: String) -> (any ContinualMethod.Type)? { all.first { $0.name == name } }

    public static func make(name: String, parameters: [String: Double] = [:]) throws -> any ContinualMethod {
        guard let t = type(named: name) else {
            throw MethodError("unknown method '\(name)'; built-in methods: \(names.joined(separator: ", "))")
        }
        return try t.make(parameters)
    }

    /// A method as `clvbench list builtins` prints it, in plain strings.
    public struct Description: Sendable {
        public var name: String
        public var summary: String
        public var parameters: [String]
        /// The protocols it runs (`protocols:` of a suite), e.g. ["adaptive", "frozen"].
        public var protocols: [String]
    }

    public static var descriptions: [Description] {
        all.map { t in
            Description(name: t.name, summary: t.summary, parameters: t.declaredParameters.map {
                "\($0.name) (default \($0.defaultValue), \($0.range.lowerBound)...\($0.range.upperBound)\($0.integer ? ", whole number" : "")): \($0.help)"
            }, protocols: t.protocols.map(\.rawValue))
        }
    }
}
