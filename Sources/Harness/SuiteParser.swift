import Analysis
import Continual
import Environments
import Foundation
import Linalg
import Model
import Yams

/// Reads a suite's YAML into a `Suite`, checking every field and naming file:line:column and
/// the field for each problem (unknown keys get a did-you-mean).
struct SuiteParser {
    let file: String
    let text: String

    func fail(_ node: Node?, _ field: String, _ message: String) -> SuiteError {
        SuiteError(file: file, line: node?.mark?.line, column: node?.mark?.column, field: field, message: message)
    }

    func parse() throws -> Suite {
        let root: Node
        do {
            guard let r = try Yams.compose(yaml: text) else {
                throw SuiteError(file: file, line: nil, field: "", message: "the file is empty")
            }
            root = r
        } catch let e as YamlError {
            throw yamlError(e)
        }
        let top = try mapping(root, "", keys: ["name", "description", "seed", "world", "orders", "similarity",
                                               "methods", "seeds", "model", "models", "training", "pretraining", "analysis",
                                               "protocols", "clip_weights"],
                              required: ["name", "world", "orders", "similarity", "methods", "seeds"])
        var settings = ExperimentSettings()
        let name = try string(top["name"]!, "name")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
            throw fail(top["name"], "name", "use letters, digits, - and _ only, got '\(TextCheck.visible(name))'")
        }
        if let problem = TextCheck.nameProblem(name) { throw fail(top["name"], "name", problem) }
        let description = try top["description"].map { try string($0, "description") } ?? ""
        if let problem = TextCheck.characterProblem(description, lineBreaks: true) { throw fail(top["description"], "description", problem) }
        let seed = try top["seed"].map { try int($0, "seed", 0...Int(Int32.max)) } ?? 0

        settings.world = try parseWorld(top["world"]!)
        let names = settings.world.trainedNames
        if top["model"] != nil && top["models"] != nil {
            throw fail(top["model"], "model", "give either model: (the sizes of one MLP + bag model) or models:, not both")
        }
        let models = try top["models"].map { try parseModels($0, imageSize: settings.world.imageSize) }
            ?? [try top["model"].map { try parseModel($0) } ?? .standard]
        settings.model = models[0].description
        if let t = top["training"] { try parseTraining(t, &settings) }
        if let p = top["pretraining"] { try parsePretraining(p, &settings) }
        if let a = top["analysis"] {
            let map = try mapping(a, "analysis", keys: ["shapley"])
            if let s = map["shapley"] { settings.shapley = try bool(s, "analysis.shapley") }
        }
        let trained = names
        let orders = try parseOrders(top["orders"]!, trained: trained)
        let similarities = try parseSimilarity(top["similarity"]!)
        var methods = try parseMethods(top["methods"]!)
        let seeds = try parseSeeds(top["seeds"]!)
        let protocols = try top["protocols"].map { try parseProtocols($0) } ?? [.adaptive]
        try checkProtocols(protocols, methods: methods, top["protocols"], top["methods"]!)
        if let weights = top["clip_weights"] { methods = try expandClipWeights(weights, methods: methods, top["methods"]!) }
        var suite = Suite(name: name, description: description, path: file, text: text, hash: StableHasher.hex(text),
                          seed: seed, environmentNames: names, orders: orders, similarities: similarities,
                          methods: methods, models: models, seeds: seeds, settings: settings)
        suite.protocols = protocols
        return suite
    }

    /// `protocols: [adaptive, frozen]`: known names, no repeats, not empty.
    func parseProtocols(_ node: Node) throws -> [TrainingProtocol] {
        var out: [TrainingProtocol] = []
        for (i, n) in try list(node, "protocols").enumerated() {
            let field = "protocols[\(i)]"
            let s = try string(n, field)
            guard let p = TrainingProtocol(rawValue: s) else {
                let hint = closest(s, among: TrainingProtocol.names).map { "; did you mean '\($0)'?" } ?? ""
                throw fail(n, field, "unknown protocol '\(TextCheck.visible(s))'; expected \(TrainingProtocol.names.joined(separator: " or "))\(hint)")
            }
            guard !out.contains(p) else { throw fail(n, field, "protocol '\(s)' appears twice") }
            out.append(p)
        }
        guard !out.isEmpty else { throw fail(node, "protocols", "the list is empty") }
        return out
    }

    /// Every (method, protocol) pair of the grid must be one the method runs; external methods
    /// run adaptive only (their protocol, docs/protocol.md, trains encoders).
    func checkProtocols(_ protocols: [TrainingProtocol], methods: [MethodSpec], _ node: Node?, _ methodsNode: Node) throws {
        let methodNodes = (try? list(methodsNode, "methods")) ?? []
        for (i, m) in methods.enumerated() {
            let supported: [TrainingProtocol] = m.external != nil ? [.adaptive] : (MethodCatalog.type(named: m.name)?.protocols ?? [.adaptive])
            for p in protocols where !supported.contains(p) {
                let at = i < methodNodes.count ? methodNodes[i] : node
                throw fail(at, "methods[\(i)]", "method '\(m.label)' does not run under protocol '\(p.rawValue)' (it runs: "
                    + supported.map(\.rawValue).joined(separator: ", ") + "); drop it or the protocol from protocols:")
            }
        }
    }

    func yamlError(_ e: YamlError) -> SuiteError {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return SuiteError(file: file, line: mark.line, column: mark.column, field: "", message: "YAML syntax: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams' own description quotes the whole file; say the keys and where: the second
            // occurrence in a block mapping, the mapping's key otherwise (a flow mapping's line).
            let at = duplicates.first.flatMap { secondOccurrence(of: $0, after: context.mark) } ?? (context.mark.line, context.mark.column)
            return SuiteError(file: file, line: at.0, column: at.1, field: "",
                              message: "duplicate key(s) " + duplicates.prefix(5).map { "'\($0.prefix(60))'" }.joined(separator: ", ")
                                + " in one mapping; each key may appear once")
        case .reader(let problem, let offset, _, _):
            return SuiteError(file: file, line: nil, field: "", message: "not readable as YAML text: \(problem)" + (offset.map { " at byte \($0)" } ?? ""))
        default:
            return SuiteError(file: file, line: nil, field: "", message: "YAML syntax: \(String(describing: e).prefix(200))")
        }
    }

    /// Line and column of `key` repeated in the block mapping whose first key is at `mark`.
    func secondOccurrence(of key: String, after mark: Mark) -> (Int, Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let indent = max(mark.column - 1, 0)
        guard mark.line >= 1 else { return nil }
        for i in mark.line..<lines.count {
            let l = lines[i]
            guard l.prefix(indent).allSatisfy({ $0 == " " }) else { continue }
            let rest = l.dropFirst(indent)
            if rest.hasPrefix(key + ":") || rest.hasPrefix("\"\(key)\":") || rest.hasPrefix("'\(key)':") { return (i + 1, mark.column) }
        }
        return nil
    }

    // MARK: typed readers

    /// A mapping with only `keys`, all of `required`, and no duplicates.
    func mapping(_ node: Node, _ field: String, keys: [String], required: [String] = []) throws -> [String: Node] {
        guard case .mapping(let m) = node else { throw fail(node, field.isEmpty ? "(top level)" : field, "expected a mapping of keys to values") }
        var out: [String: Node] = [:]
        for (k, v) in m {
            guard let key = k.string else { throw fail(k, field, "keys must be text") }
            let path = field.isEmpty ? key : "\(field).\(key)"
            guard keys.contains(key) else {
                let hint = closest(key, among: keys).map { "; did you mean '\($0)'?" } ?? "; known keys: \(keys.joined(separator: ", "))"
                throw fail(k, path, "unknown key" + hint)
            }
            guard out[key] == nil else { throw fail(k, path, "duplicate key") }
            out[key] = v
        }
        for r in required where out[r] == nil {
            throw fail(node, field.isEmpty ? r : "\(field).\(r)", "missing (required)")
        }
        return out
    }

    func scalar(_ node: Node, _ field: String, _ what: String) throws -> String {
        guard case .scalar(let s) = node else { throw fail(node, field, "expected \(what), found a \(kind(node))") }
        return s.string
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar: "value"
        case .mapping: "mapping"
        case .sequence: "list"
        case .alias: "alias"
        }
    }

    func string(_ node: Node, _ field: String) throws -> String { try scalar(node, field, "text") }

    func int(_ node: Node, _ field: String, _ range: ClosedRange<Int>) throws -> Int {
        let s = try scalar(node, field, "a whole number")
        guard let v = Int(s) else { throw fail(node, field, "expected a whole number, got '\(s)'") }
        guard range.contains(v) else { throw fail(node, field, "must be in \(range.lowerBound)...\(range.upperBound), got \(v)") }
        return v
    }

    func double(_ node: Node, _ field: String, _ range: ClosedRange<Double>) throws -> Double {
        let s = try scalar(node, field, "a number")
        guard let v = Double(s), v.isFinite else { throw fail(node, field, "expected a number, got '\(s)'") }
        guard range.contains(v) else { throw fail(node, field, "must be in \(range.lowerBound)...\(range.upperBound), got \(s)") }
        return v
    }

    func bool(_ node: Node, _ field: String) throws -> Bool {
        let s = try scalar(node, field, "true or false")
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail(node, field, "expected true or false, got '\(s)'")
        }
    }

    func list(_ node: Node, _ field: String) throws -> [Node] {
        guard case .sequence(let s) = node else { throw fail(node, field, "expected a list, found a \(kind(node))") }
        return Array(s)
    }

    func intList(_ node: Node, _ field: String, _ range: ClosedRange<Int>) throws -> [Int] {
        try list(node, field).enumerated().map { try int($1, "\(field)[\($0)]", range) }
    }

    // MARK: sections

    func parseWorld(_ node: Node) throws -> WorldDescription {
        let w = try mapping(node, "world", keys: ["kind", "seed", "trained", "held_out", "classes", "class_overlap",
                                                 "image_size", "train_samples", "evaluation_samples", "distractors",
                                                 "class_groups", "directory", "family", "group", "groups", "subgroups",
                                                 "pretraining_seed", "font", "emoji_data", "path", "allow_outside"], required: ["kind"])
        let kind = try string(w["kind"]!, "world.kind")
        // Keys that only one kind reads; any other kind refuses them.
        let own: [String: [String]] = ["procedural": ["class_overlap", "distractors"], "fashion": ["class_groups", "directory"],
                                       "emoji": ["family", "group", "groups", "subgroups", "pretraining_seed", "font", "emoji_data"],
                                       "manifest": ["path", "allow_outside"]]
        if WorldDescription.kinds.contains(kind) {
            for (k, owner) in own.flatMap({ o in o.value.map { ($0, o.key) } }).sorted(by: { $0.0 < $1.0 }) where owner != kind && w[k] != nil {
                throw fail(w[k], "world.\(k)", "only for kind: \(owner)")
            }
        }
        if kind == "manifest" { return try parseManifestWorld(w, node) }
        var c = ProceduralWorldConfig()
        if let n = w["seed"] { c.seed = try int(n, "world.seed", 0...Int(Int32.max)) }
        if let n = w["image_size"] { c.imageSize = try int(n, "world.image_size", 8...128) }
        if let n = w["train_samples"] { c.trainSamples = try int(n, "world.train_samples", 1...1_000_000) }
        if let n = w["evaluation_samples"] { c.evaluationSamples = try int(n, "world.evaluation_samples", 2...1_000_000) }
        switch kind {
        case "procedural":
            if let n = w["trained"] { c.trainedEnvironments = try int(n, "world.trained", 1...16) }
            if let n = w["held_out"] { c.heldOutEnvironments = try int(n, "world.held_out", 0...16) }
            if let n = w["classes"] { c.classesPerEnvironment = try int(n, "world.classes", 2...32) }
            if let n = w["class_overlap"] { c.classOverlap = try double(n, "world.class_overlap", 0...1) }
            if let n = w["distractors"] { c.distractorProbability = try double(n, "world.distractors", 0...1) }
            return try checked(.procedural(c), node)
        case "fashion":
            for k in ["trained", "classes"] where w[k] != nil {
                throw fail(w[k], "world.\(k)", "only for kind: procedural (fashion environments come from class_groups)")
            }
            var f = FashionWorld.Config()
            f.seed = c.seed
            f.imageSize = c.imageSize
            f.trainSamples = c.trainSamples
            f.evaluationSamples = c.evaluationSamples
            if let g = w["class_groups"] {
                f.classGroups = try list(g, "world.class_groups").enumerated().map { try intList($1, "world.class_groups[\($0)]", 0...9) }
            }
            if let n = w["held_out"] { f.heldOut = try int(n, "world.held_out", 0...9) }
            let dir = try w["directory"].map { try string($0, "world.directory") } ?? FashionMNIST.defaultDirectory
            return try checked(.fashion(f, directory: dir), node)
        case "emoji":
            var e = EmojiWorld.Config()
            e.seed = c.seed
            if w["image_size"] != nil { e.imageSize = c.imageSize }
            if w["train_samples"] != nil { e.trainSamples = c.trainSamples }
            if w["evaluation_samples"] != nil { e.evaluationSamples = c.evaluationSamples }
            if let n = w["family"] {
                let f = try string(n, "world.family")
                guard let family = EmojiWorld.Family(rawValue: f) else {
                    let names = EmojiWorld.Family.allCases.map(\.rawValue)
                    let hint = closest(f, among: names).map { "; did you mean '\($0)'?" } ?? ""
                    throw fail(n, "world.family", "expected \(names.joined(separator: " or ")), got '\(f)'\(hint)")
                }
                e.family = family
            }
            if let n = w["group"] {
                guard e.family == .taxonomic else { throw fail(n, "world.group", "only for family: taxonomic (semantic environments take groups:)") }
                e.group = try string(n, "world.group")
            }
            if let n = w["groups"] {
                guard e.family == .semantic else { throw fail(n, "world.groups", "only for family: semantic (taxonomic environments take group: and subgroups:)") }
                e.groups = try list(n, "world.groups").enumerated().map { try string($1, "world.groups[\($0)]") }
            }
            if let n = w["subgroups"] {
                guard e.family == .taxonomic else { throw fail(n, "world.subgroups", "only for family: taxonomic") }
                e.subgroups = try list(n, "world.subgroups").enumerated().map { try string($1, "world.subgroups[\($0)]") }
            }
            if let n = w["classes"] { e.classes = try int(n, "world.classes", 2...256) }
            if let n = w["trained"] { e.trained = try int(n, "world.trained", 1...16) }
            if let n = w["held_out"] { e.heldOut = try int(n, "world.held_out", 0...16) }
            if let n = w["pretraining_seed"] { e.pretrainingSeed = try int(n, "world.pretraining_seed", 0...Int(Int32.max)) }
            if let n = w["font"] { e.font = try string(n, "world.font") }
            if let n = w["emoji_data"] { e.data = try string(n, "world.emoji_data") }
            return try checked(.emoji(e), node)
        default:
            let hint = closest(kind, among: WorldDescription.kinds).map { "; did you mean '\($0)'?" } ?? ""
            throw fail(w["kind"], "world.kind", "expected \(WorldDescription.kinds.joined(separator: " or ")), got '\(kind)'\(hint)")
        }
    }

    /// `world: {kind: manifest, path: data.yaml}`: the path is relative to the suite file; the
    /// environments, their sizes and names come from the manifest, so only image_size is shared.
    func parseManifestWorld(_ w: [String: Node], _ node: Node) throws -> WorldDescription {
        for k in w.keys.sorted() where !["kind", "path", "allow_outside", "image_size"].contains(k) {
            throw fail(w[k], "world.\(k)", "not for kind: manifest (the manifest lists the environments and their samples)")
        }
        guard let p = w["path"] else { throw fail(node, "world.path", "missing (required for kind: manifest)") }
        let relative = try string(p, "world.path")
        let base = (URL(fileURLWithPath: file).standardizedFileURL.path as NSString).deletingLastPathComponent
        let path = relative.hasPrefix("/") ? relative : URL(fileURLWithPath: (base as NSString).appendingPathComponent(relative)).standardizedFileURL.path
        let size = try w["image_size"].map { try int($0, "world.image_size", 8...128) } ?? ProceduralWorldConfig().imageSize
        let allow = try w["allow_outside"].map { try bool($0, "world.allow_outside") } ?? false
        return try checked(.manifest(try ManifestReader(manifest: path, imageSize: size, allowOutside: allow).read()), node)
    }

    /// The world's own checks (the same that building it makes), reported at `world`.
    func checked(_ world: WorldDescription, _ node: Node) throws -> WorldDescription {
        if let problem = world.problems().first { throw fail(node, "world", problem) }
        return world
    }

    func parseTraining(_ node: Node, _ s: inout ExperimentSettings) throws {
        let m = try mapping(node, "training", keys: ["epochs", "batch_size", "learning_rate", "weight_decay", "clip_norm"])
        if let n = m["epochs"] { s.budget.epochs = try int(n, "training.epochs", 1...10_000) }
        if let n = m["batch_size"] { s.budget.batchSize = try int(n, "training.batch_size", 1...65_536) }
        if let n = m["learning_rate"] { s.budget.optimizer.learningRate = Float(try double(n, "training.learning_rate", 1e-9...10)) }
        if let n = m["weight_decay"] { s.budget.optimizer.weightDecay = Float(try double(n, "training.weight_decay", 0...10)) }
        if let n = m["clip_norm"] { s.budget.optimizer.clipNorm = Float(try double(n, "training.clip_norm", 1e-6...1e6)) }
    }

    func parsePretraining(_ node: Node, _ s: inout ExperimentSettings) throws {
        let m = try mapping(node, "pretraining", keys: ["samples", "epochs", "batch_size", "learning_rate"])
        if let n = m["samples"] { s.pretrain.samples = try int(n, "pretraining.samples", 16...10_000_000) }
        if let n = m["epochs"] { s.pretrain.epochs = try int(n, "pretraining.epochs", 1...10_000) }
        if let n = m["batch_size"] { s.pretrain.batchSize = try int(n, "pretraining.batch_size", 2...65_536) }
        if let n = m["learning_rate"] { s.pretrain.optimizer.learningRate = Float(try double(n, "pretraining.learning_rate", 1e-9...10)) }
        if s.pretrain.batchSize > s.pretrain.samples {
            throw fail(node, "pretraining.batch_size", "larger than pretraining.samples (\(s.pretrain.samples))")
        }
    }

    /// `all`, `latin`, `{random: {count, seed}}` or an explicit list of orders.
    func parseOrders(_ node: Node, trained: [String]) throws -> [[String]] {
        switch node {
        case .scalar(let s):
            switch s.string {
            case "all":
                guard trained.count <= 7 else { throw fail(node, "orders", "'all' with \(trained.count) environments is \(factorial(trained.count)) orders; use latin or random") }
                return OrderGenerator.all(trained)
            case "latin": return OrderGenerator.latin(trained)
            default:
                let hint = closest(s.string, among: ["all", "latin"]).map { "; did you mean '\($0)'?" } ?? ""
                throw fail(node, "orders", "expected all, latin, {random: {count: N, seed: S}} or a list of orders, got '\(s.string)'\(hint)")
            }
        case .mapping:
            let m = try mapping(node, "orders", keys: ["random"], required: ["random"])
            let r = try mapping(m["random"]!, "orders.random", keys: ["count", "seed"], required: ["count"])
            let limit = factorial(trained.count)
            let count = try int(r["count"]!, "orders.random.count", 1...min(limit, 100_000))
            let seed = try r["seed"].map { try int($0, "orders.random.seed", 0...Int(Int32.max)) } ?? 0
            return OrderGenerator.random(trained, count: count, seed: seed)
        case .sequence:
            var out: [[String]] = []
            for (i, o) in try list(node, "orders").enumerated() {
                let field = "orders[\(i)]"
                let order = try list(o, field).enumerated().map { j, n in try string(n, "\(field)[\(j)]") }
                for (j, name) in order.enumerated() where !trained.contains(name) {
                    let hint = closest(name, among: trained).map { "; did you mean '\($0)'?" } ?? ""
                    throw fail(try list(o, field)[j], "\(field)[\(j)]", "'\(name)' is not a trained environment (\(trained.joined(separator: ", ")))\(hint)")
                }
                guard Set(order).count == order.count else { throw fail(o, field, "an environment appears twice") }
                guard order.count == trained.count else {
                    throw fail(o, field, "names \(order.count) environments; an order is a permutation of all \(trained.count) trained ones")
                }
                if let k = out.firstIndex(of: order) { throw fail(o, field, "duplicate of orders[\(k)]") }
                out.append(order)
            }
            guard !out.isEmpty else { throw fail(node, "orders", "the list is empty") }
            return out
        default:
            throw fail(node, "orders", "expected all, latin, a random mapping or a list of orders")
        }
    }

    func factorial(_ n: Int) -> Int { n <= 1 ? 1 : (2...n).reduce(1) { $0 > Int(Int32.max) ? $0 : $0 * $1 } }

    func parseSimilarity(_ node: Node) throws -> [SimilaritySetting] {
        let m = try mapping(node, "similarity", keys: ["sv", "sl"], required: ["sv", "sl"])
        func values(_ key: String) throws -> [Double] {
            let n = m[key]!
            let vs: [Double]
            if case .scalar = n { vs = [try double(n, "similarity.\(key)", 0...1)] } else {
                vs = try list(n, "similarity.\(key)").enumerated().map { try double($1, "similarity.\(key)[\($0)]", 0...1) }
            }
            guard !vs.isEmpty else { throw fail(n, "similarity.\(key)", "the list is empty") }
            guard Set(vs).count == vs.count else { throw fail(n, "similarity.\(key)", "a value appears twice") }
            return vs
        }
        let sv = try values("sv"), sl = try values("sl")
        return sv.flatMap { v in sl.map { l in SimilaritySetting(sv: v, sl: l) } }
    }

    func parseMethods(_ node: Node) throws -> [MethodSpec] {
        var out: [MethodSpec] = []
        for (i, n) in try list(node, "methods").enumerated() {
            let field = "methods[\(i)]"
            var spec: MethodSpec
            if case .scalar(let s) = n {
                spec = MethodSpec(label: s.string, name: s.string, parameters: [:], external: nil)
                try checkBuiltIn(spec, n, field)
            } else {
                guard case .mapping(let m) = n else { throw fail(n, field, "expected a method name or a mapping") }
                var map: [String: Node] = [:]
                for (k, v) in m {
                    guard let key = k.string else { throw fail(k, field, "keys must be text") }
                    guard map[key] == nil else { throw fail(k, "\(field).\(key)", "duplicate key") }
                    map[key] = v
                }
                let label = try map["label"].map { try string($0, "\(field).label") }
                if let ext = map["external"] {
                    for k in map.keys where !["external", "label"].contains(k) {
                        throw fail(m[Node(k)]!, "\(field).\(k)", "an external method takes its settings inside external:")
                    }
                    let e = try parseExternal(ext, "\(field).external")
                    spec = MethodSpec(label: label ?? URL(fileURLWithPath: e.command[0]).lastPathComponent, name: "external",
                                      parameters: [:], external: e)
                } else {
                    guard let nameNode = map["name"] else { throw fail(n, "\(field).name", "missing (a built-in method name, or external: {...})") }
                    let name = try string(nameNode, "\(field).name")
                    var params: [String: Double] = [:]
                    for (k, v) in map where k != "name" && k != "label" {
                        params[k] = try double(v, "\(field).\(k)", -1e12...1e12)
                    }
                    spec = MethodSpec(label: label ?? defaultLabel(name, params), name: name, parameters: params, external: nil)
                    try checkBuiltIn(spec, nameNode, field)
                }
            }
            if let problem = TextCheck.nameProblem(spec.label) {
                let labelNode: Node? = if case .mapping(let m) = n { m[Node("label")] } else { nil }
                throw fail(labelNode ?? n, labelNode == nil ? field : "\(field).label", "label '\(TextCheck.visible(spec.label))' \(problem)")
            }
            if out.contains(where: { $0.label == spec.label }) {
                throw fail(n, field, "method '\(spec.label)' appears twice; give one a different label:")
            }
            out.append(spec)
        }
        guard !out.isEmpty else { throw fail(node, "methods", "the list is empty") }
        return out
    }

    /// A built-in method's label when the suite gives none: its name and parameters.
    func defaultLabel(_ name: String, _ params: [String: Double]) -> String {
        params.isEmpty ? name : name + "(" + params.keys.sorted().map { "\($0)=\(format(params[$0]!))" }.joined(separator: ",") + ")"
    }

    /// `clip_weights: [0, 1, 5]`: every built-in method once per λ (issue 16's grid axis). λ = 0
    /// leaves the method as written, so its cells keep the hashes of a suite without the axis; a
    /// λ > 0 adds `clip_weight` as if the method listed it. External methods appear once (their
    /// objective is their own). A method that sets clip_weight itself conflicts with the axis.
    func expandClipWeights(_ node: Node, methods: [MethodSpec], _ methodsNode: Node) throws -> [MethodSpec] {
        let range = TrainingObjective.parameter.range
        var weights: [Double] = []
        for (i, n) in try list(node, "clip_weights").enumerated() {
            let field = "clip_weights[\(i)]"
            let w = try double(n, field, range)
            guard !weights.contains(w) else { throw fail(n, field, "λ = \(format(w)) appears twice") }
            weights.append(w)
        }
        guard !weights.isEmpty else { throw fail(node, "clip_weights", "the list is empty") }
        let methodNodes = (try? list(methodsNode, "methods")) ?? []
        var out: [MethodSpec] = []
        for (i, m) in methods.enumerated() {
            guard m.external == nil else { out.append(m); continue }
            if m.parameters[TrainingObjective.parameter.name] != nil {
                throw fail(i < methodNodes.count ? methodNodes[i] : node, "methods[\(i)].clip_weight",
                           "method '\(m.label)' sets clip_weight itself and clip_weights: sets it for every method; keep one of the two")
            }
            let labelled = m.label != defaultLabel(m.name, m.parameters)
            for w in weights {
                var copy = m
                if w != 0 {
                    copy.parameters[TrainingObjective.parameter.name] = w
                    copy.label = labelled ? "\(m.label)(clip_weight=\(format(w)))" : defaultLabel(m.name, copy.parameters)
                }
                if let clash = out.first(where: { $0.label == copy.label }) {
                    throw fail(node, "clip_weights", "clip_weights: makes a second method labelled '\(clash.label)'; give the methods different labels")
                }
                out.append(copy)
            }
        }
        return out
    }

    func format(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }

    func checkBuiltIn(_ spec: MethodSpec, _ node: Node, _ field: String) throws {
        guard let t = MethodCatalog.type(named: spec.name) else {
            let hint = closest(spec.name, among: MethodCatalog.names).map { "; did you mean '\($0)'?" } ?? ""
            throw fail(node, "\(field).name", "unknown method '\(spec.name)'\(hint) (built-in: \(MethodCatalog.names.joined(separator: ", ")), or external: {...})")
        }
        do { _ = try t.validate(spec.parameters) } catch { throw fail(node, field, "\(error)") }
    }

    func parseExternal(_ node: Node, _ field: String) throws -> ExternalMethodSpec {
        let m = try mapping(node, field, keys: ["command", "timeout_s", "env", "parameters", "repository", "protocol"], required: ["command"])
        let commandNodes = try list(m["command"]!, "\(field).command")
        let command = try commandNodes.enumerated().map { i, n in
            let arg = try string(n, "\(field).command[\(i)]")
            // A NUL cannot pass through execve: the argument would silently end there.
            if let problem = TextCheck.nulProblem(arg) { throw fail(n, "\(field).command[\(i)]", problem) }
            return arg
        }
        guard let program = command.first else { throw fail(m["command"], "\(field).command", "the command is empty") }
        guard !program.isEmpty else { throw fail(commandNodes[0], "\(field).command[0]", "the program name is empty") }
        var isDirectory: ObjCBool = false
        if program.contains("/"), FileManager.default.fileExists(atPath: program, isDirectory: &isDirectory), isDirectory.boolValue {
            throw fail(commandNodes[0], "\(field).command[0]", "'\(program)' is a directory, not a program")
        }
        let timeout = try m["timeout_s"].map { try double($0, "\(field).timeout_s", 0.1...1e7) } ?? 3600
        var env: [String: String] = [:], params: [String: String] = [:]
        if let e = m["env"], case .mapping(let em) = e {
            for (k, v) in em {
                let name = try string(k, "\(field).env")
                let path = "\(field).env.\(TextCheck.visible(name))"
                guard let first = name.unicodeScalars.first, first == "_" || ("A"..."Z").contains(first) || ("a"..."z").contains(first),
                      name.unicodeScalars.allSatisfy({ $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) })
                else {
                    throw fail(k, path, "'\(TextCheck.visible(name))' is not a valid environment variable name (letters, digits and _, not starting with a digit)")
                }
                let value = try string(v, path)
                if let problem = TextCheck.nulProblem(value) { throw fail(v, path, problem) }
                env[name] = value
            }
        } else if let e = m["env"] { throw fail(e, "\(field).env", "expected a mapping of variable names to values") }
        if let p = m["parameters"], case .mapping(let pm) = p {
            for (k, v) in pm {
                let name = try string(k, "\(field).parameters")
                let path = "\(field).parameters.\(TextCheck.visible(name))"
                if let problem = TextCheck.nameProblem(name) { throw fail(k, path, "parameter name \(problem)") }
                let value = try string(v, path)
                if let problem = TextCheck.nulProblem(value) { throw fail(v, path, problem) }
                params[name] = value
            }
        } else if let p = m["parameters"] { throw fail(p, "\(field).parameters", "expected a mapping") }
        var spec = ExternalMethodSpec(command: command, timeoutSeconds: timeout, environment: env, parameters: params)
        if let v = m["protocol"] { spec.protocolVersion = try int(v, "\(field).protocol", ExternalCellRunner.protocolVersions) }
        if let r = m["repository"] {
            let path = try string(r, "\(field).repository")
            spec.repository = try resolveRepository(path, r, "\(field).repository")
        }
        return spec
    }

    /// A repository path relative to the suite file's directory; it must be a directory now
    /// (its git HEAD is read when the suite runs).
    func resolveRepository(_ path: String, _ node: Node, _ field: String) throws -> String {
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw fail(node, field, "'\(path)' is not a directory (resolved to \(url.standardized.path))")
        }
        return url.standardized.path
    }

    func parseSeeds(_ node: Node) throws -> [Int] {
        let seeds = try intList(node, "seeds", 0...Int(Int32.max))
        guard !seeds.isEmpty else { throw fail(node, "seeds", "the list is empty") }
        guard Set(seeds).count == seeds.count else { throw fail(node, "seeds", "a seed appears twice") }
        return seeds
    }
}

/// Task orders: all permutations, a cyclic Latin square, or seeded random permutations.
public enum OrderGenerator {
    /// Every permutation, in lexicographic order of positions.
    public static func all(_ names: [String]) -> [[String]] {
        guard names.count > 1 else { return [names] }
        return names.indices.flatMap { i -> [[String]] in
            var rest = names
            let first = rest.remove(at: i)
            return all(rest).map { [first] + $0 }
        }
    }

    /// Order i starts at environment i and continues cyclically: each environment appears
    /// once in each position.
    public static func latin(_ names: [String]) -> [[String]] {
        let n = names.count
        return (0..<n).map { i in (0..<n).map { names[(i + $0) % n] } }
    }

    /// `count` distinct permutations drawn from a seeded stream.
    public static func random(_ names: [String], count: Int, seed: Int) -> [[String]] {
        var rng = RandomStream(key: RandomKey("orders", .int(seed)))
        var out: [[String]] = []
        var seen = Set<[String]>()
        while out.count < count {
            let p = rng.permutation(names.count).map { names[$0] }
            if seen.insert(p).inserted { out.append(p) }
        }
        return out
    }
}
