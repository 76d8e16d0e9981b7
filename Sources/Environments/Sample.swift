/// Which part of an environment a sample comes from.
public enum Split: String, Sendable, CaseIterable, Codable {
    case train, evaluation
}

/// One image-caption pair: what the model sees.
public struct Sample: Sendable, Equatable {
    /// RGB in [0, 1], row-major, channels interleaved: pixel (y, x) channel c at (y * size + x) * 3 + c.
    public var image: [Float]
    public var caption: String
    /// Index of the sample's class within its environment's class list.
    public var label: Int
}

/// What an environment is: its classes, prompts and role.
public struct EnvironmentInfo: Sendable, Equatable {
    public var name: String
    /// Class names in the world's base language (stable identifiers, for reports).
    public var classNames: [String]
    /// One prompt per class in this environment's own caption language.
    public var classPrompts: [String]
    public var heldOut: Bool
    public var trainCount: Int
    public var evaluationCount: Int
}

/// A world of environments: procedural or a real dataset. Every sample is a pure function of
/// (world, environment, split, index), so sample 10,000 never needs samples 0..9,999.
public protocol EnvironmentWorld: Sendable {
    var imageSize: Int { get }
    var environments: [EnvironmentInfo] { get }
    func sample(environment: Int, split: Split, index: Int) -> Sample
    /// A caption-image pair from the broad pretraining mixture.
    func pretrainingSample(index: Int) -> Sample
    /// Every word the world's grammar can produce, for the tokenizer.
    var vocabularyWords: [String] { get }
    /// The image file a sample was read from (manifest worlds); nil for rendered worlds.
    func sourceFile(environment: Int, split: Split, index: Int) -> String?
}

extension EnvironmentWorld {
    public func sourceFile(environment: Int, split: Split, index: Int) -> String? { nil }
    public var channels: Int { 3 }
    public var pixelsPerImage: Int { imageSize * imageSize * 3 }
    public var trainedEnvironments: [Int] { environments.indices.filter { !environments[$0].heldOut } }
    public var heldOutEnvironments: [Int] { environments.indices.filter { environments[$0].heldOut } }
}
