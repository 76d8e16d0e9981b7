import Foundation

/// Where a suite's environments come from: the one description of a world. It builds the
/// world and names what the pretraining cache depends on, so neither can drift from the other.
/// A new environment family is a new world file plus one case here.
public enum WorldDescription: Sendable, Equatable {
    case procedural(ProceduralWorldConfig)
    case fashion(FashionWorld.Config, directory: String)
    case emoji(EmojiWorld.Config)
    /// The researcher's own images, from a manifest (read and checked by the Harness).
    case manifest(ManifestWorld.Config)

    public static let kinds = ["procedural", "fashion", "emoji", "manifest"]

    public var kind: String {
        switch self {
        case .procedural: "procedural"
        case .fashion: "fashion"
        case .emoji: "emoji"
        case .manifest: "manifest"
        }
    }

    /// The world under one similarity setting.
    public func makeWorld(similarity: SimilaritySetting) throws -> any EnvironmentWorld {
        switch self {
        case .procedural(let c): try ProceduralWorld(config: c, similarity: similarity)
        case .fashion(let c, let dir): try FashionWorld(config: c, similarity: similarity, data: try FashionMNIST(directory: dir))
        case .emoji(let c): try EmojiWorld(config: c, similarity: similarity)
        case .manifest(let c): try ManifestWorld(config: c)
        }
    }

    /// Problems with the description, each naming the field; empty when valid.
    public func problems() -> [String] {
        switch self {
        case .procedural(let c): c.problems()
        case .fashion(let c, _): c.problems()
        case .emoji(let c): EmojiWorld.problems(c)
        case .manifest(let c): c.problems()
        }
    }

    public var imageSize: Int {
        switch self {
        case .procedural(let c): c.imageSize
        case .fashion(let c, _): c.imageSize
        case .emoji(let c): c.imageSize
        case .manifest(let c): c.imageSize
        }
    }

    /// Names of the trained environments, in world order.
    public var trainedNames: [String] {
        switch self {
        case .procedural(let c): (0..<c.trainedEnvironments).map(EnvironmentNames.trained)
        case .fashion(let c, _): (0..<c.trainedCount).map(EnvironmentNames.trained)
        case .emoji(let c): (0..<c.trained).map(EnvironmentNames.trained)
        case .manifest(let c): c.trainedNames
        }
    }

    /// Everything that determines the world's samples, as canonical text (enters every cell's hash).
    public var identity: String {
        switch self {
        case .procedural(let c): "procedural " + Self.json(c)
        case .fashion(let c, let dir): "fashion " + Self.json(c) + " " + dir
        case .emoji(let c): "emoji " + Self.json(c)
        case .manifest(let c): "manifest image_size \(c.imageSize) sha256 \(c.contentHash)"
        }
    }

    /// What the pretraining mixture reads, and nothing else (not the environment split, not the
    /// dials): the kind, then the fields of the world's `PretrainingMixture` in declaration order.
    public var pretrainingIdentity: String {
        if case .manifest(let c) = self { return "manifest \(c.imageSize) \(c.pretrainingHash)" }
        let mixture: Any = switch self {
        case .procedural(let c): c.pretrainingMixture
        case .fashion(let c, let dir): c.pretrainingMixture(directory: dir)
        case .emoji(let c): c.pretrainingMixture
        case .manifest: ""
        }
        return ([kind] + Mirror(reflecting: mixture).children.map { "\($0.value)" }).joined(separator: " ")
    }

    static func json<T: Encodable>(_ v: T) -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        return String(decoding: try! enc.encode(v), as: UTF8.self)
    }
}

/// Names of environments, the same in every world: env1, env2, ... then heldout1, ...
public enum EnvironmentNames {
    public static func trained(_ index: Int) -> String { "env\(index + 1)" }
    public static func heldOut(_ index: Int) -> String { "heldout\(index + 1)" }
}

/// A world configuration that cannot be built; each problem names its field.
public struct WorldConfigurationError: Error, CustomStringConvertible {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "; ") }
}
