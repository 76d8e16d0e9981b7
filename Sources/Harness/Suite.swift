import Continual
import Environments
import Foundation
import Linalg

/// A method of a suite: a built-in one with hyper-parameters, or an external process.
public struct MethodSpec: Sendable, Equatable {
    /// Unique name shown on every page.
    public var label: String
    /// Built-in method name, or "external".
    public var name: String
    public var parameters: [String: Double]
    public var external: ExternalMethodSpec?

    /// Canonical text of what determines the method's results (enters the cell hash and seeds).
    public var identity: String {
        if let e = external { return "external " + e.identity }
        return name + parameters.keys.sorted().map { " \($0)=\(parameters[$0]!)" }.joined()
    }

    /// The identity without the objective's λ: what seeds a frozen-protocol stage, where the CLIP
    /// term has no gradient (encoders fixed), so cells differing only in λ train the same head.
    public var identityWithoutObjective: String {
        if let e = external { return "external " + e.identity }
        return name + parameters.keys.sorted().filter { $0 != "clip_weight" }.map { " \($0)=\(parameters[$0]!)" }.joined()
    }
}

/// An external method: a process speaking docs/protocol.md.
public struct ExternalMethodSpec: Sendable, Equatable {
    public var command: [String]
    public var timeoutSeconds: Double
    public var environment: [String: String]
    public var parameters: [String: String]
    /// The method's git repository (`external.repository`, absolute): its HEAD is the method's
    /// code version. Not part of the identity: the version enters the run key instead.
    public var repository: String? = nil
    /// The protocol version the method speaks (`external.protocol`, 1 or 2; docs/protocol.md).
    public var protocolVersion: Int = 1

    public var identity: String {
        (command + environment.keys.sorted().map { "env \($0)=\(environment[$0]!)" }
            + parameters.keys.sorted().map { "param \($0)=\(parameters[$0]!)" }
            + (protocolVersion == 1 ? [] : ["protocol \(protocolVersion)"])).joined(separator: " ")
    }
}

/// A validated suite file: environments, grid, methods, seeds, model, budget.
public struct Suite: Sendable {
    public var name: String
    public var description: String
    public var path: String
    public var text: String
    /// Hash of the file's text.
    public var hash: String
    public var seed: Int
    public var environmentNames: [String]
    public var orders: [[String]]
    public var similarities: [SimilaritySetting]
    public var methods: [MethodSpec]
    /// The models axis; `settings.model` is the first one's description.
    public var models: [ModelSpec]
    public var seeds: [Int]
    public var settings: ExperimentSettings
    /// The protocols axis (`protocols:`, default adaptive alone).
    public var protocols: [TrainingProtocol] = [.adaptive]

    /// The suite's world (one description, kept in the settings that build it).
    public var world: WorldDescription { settings.world }

    /// Loads and validates a suite file.
    public static func load(path: String) throws -> Suite {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SuiteError(file: path, line: nil, field: "", message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SuiteError(file: path, line: nil, field: "", message: "not UTF-8 text")
        }
        return try SuiteParser(file: path, text: text).parse()
    }
}
