import Crypto
import Environments
import Foundation
import Yams

/// Reads a manifest (data.yaml) and the CSVs and images it names into a checked
/// `ManifestWorld.Config`. Every problem is a `SuiteError` naming file:line and the field;
/// every image is decoded once here so a bad file stops the suite before anything is written.
struct ManifestReader {
    /// Absolute path of data.yaml.
    let manifest: String
    let imageSize: Int
    /// Whether paths may leave the manifest's directory (`world.allow_outside`).
    let allowOutside: Bool

    var directory: String { (manifest as NSString).deletingLastPathComponent }

    func read() throws -> ManifestWorld.Config {
        guard let data = FileManager.default.contents(atPath: manifest) else {
            throw SuiteError(file: manifest, line: nil, field: "", message: "cannot read the manifest (no such file?)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let yaml = SuiteParser(file: manifest, text: text)
        let root: Node
        do {
            guard let r = try Yams.compose(yaml: text) else { throw SuiteError(file: manifest, line: nil, field: "", message: "the file is empty") }
            root = r
        } catch let e as YamlError {
            throw yaml.yamlError(e)
        }
        var hasher = SHA256()
        hasher.update(data: Data("manifest \(data.count)\n".utf8))
        hasher.update(data: data)
        var files: [String: String] = [:]  // absolute path -> sha256 of its bytes
        let top = try yaml.mapping(root, "", keys: ["environments", "pretraining"], required: ["environments"])
        var config = ManifestWorld.Config(manifest: manifest)
        config.imageSize = imageSize
        var seen: [String: Node] = [:]
        for (i, node) in try yaml.list(top["environments"]!, "environments").enumerated() {
            let field = "environments[\(i)]"
            let m = try yaml.mapping(node, field, keys: ["name", "classes", "prompts", "train", "evaluation", "held_out"],
                                     required: ["name", "classes", "prompts", "train", "evaluation"])
            let name = try yaml.string(m["name"]!, "\(field).name")
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
                throw yaml.fail(m["name"], "\(field).name", "use letters, digits, - and _ only, got '\(name)'")
            }
            if let first = seen[name] {
                throw yaml.fail(m["name"], "\(field).name", "duplicate environment name '\(name)' (first at line \((first.mark?.line).map(String.init) ?? "?"))")
            }
            seen[name] = m["name"]!
            let classes = try yaml.list(m["classes"]!, "\(field).classes").enumerated().map { try yaml.string($1, "\(field).classes[\($0)]") }
            guard classes.count >= 2 else { throw yaml.fail(m["classes"], "\(field).classes", "needs at least 2 classes, got \(classes.count)") }
            if let dup = classes.first(where: { c in classes.filter { $0 == c }.count > 1 }) {
                throw yaml.fail(m["classes"], "\(field).classes", "duplicate class '\(dup)'")
            }
            let prompts = try yaml.list(m["prompts"]!, "\(field).prompts").enumerated().map { try yaml.string($1, "\(field).prompts[\($0)]") }
            guard prompts.count == classes.count else {
                throw yaml.fail(m["prompts"], "\(field).prompts", "one prompt per class: \(classes.count) classes, \(prompts.count) prompts")
            }
            let heldOut = try m["held_out"].map { try yaml.bool($0, "\(field).held_out") } ?? false
            var splits: [[ManifestWorld.Entry]] = []
            for key in ["train", "evaluation"] {
                let csv = try resolve(try yaml.string(m[key]!, "\(field).\(key)"), yaml, m[key]!, "\(field).\(key)")
                splits.append(try readCSV(csv, columns: ["path", "label", "caption"], classes: classes, into: &hasher, files: &files, yaml, m[key]!, "\(field).\(key)"))
            }
            config.environments.append(ManifestWorld.Environment(name: name, classNames: classes, classPrompts: prompts, heldOut: heldOut,
                                                                 train: splits[0], evaluation: splits[1]))
        }
        guard !config.environments.isEmpty else { throw yaml.fail(top["environments"], "environments", "the list is empty") }
        guard config.environments.contains(where: { !$0.heldOut }) else {
            throw yaml.fail(top["environments"], "environments", "every environment is held_out; at least one must be trained")
        }
        var mixture = SHA256()
        if let p = top["pretraining"] {
            let csv = try resolve(try yaml.string(p, "pretraining"), yaml, p, "pretraining")
            config.pretraining = try readCSV(csv, columns: ["path", "caption"], classes: [], into: &hasher, files: &files, yaml, p, "pretraining")
        } else {
            config.pretraining = config.environments.filter { !$0.heldOut }.flatMap(\.train)
        }
        mixture.update(data: Data("image_size \(imageSize)\n".utf8))
        for e in config.pretraining {
            mixture.update(data: Data("\(files[e.path]!) \(e.caption.utf8.count) \(e.caption)\n".utf8))
        }
        config.contentHash = hex(hasher.finalize())
        config.pretrainingHash = hex(mixture.finalize())
        return config
    }

    func hex<D: Sequence>(_ d: D) -> String where D.Element == UInt8 { d.map { String(format: "%02x", $0) }.joined() }

    /// `relative` resolved against `base` (the manifest's directory); refused if it leaves the
    /// manifest's directory (after symbolic links) and `allow_outside` is not set.
    func resolvePath(_ relative: String, base: String) -> (path: String, inside: Bool) {
        let joined = relative.hasPrefix("/") ? relative : (base as NSString).appendingPathComponent(relative)
        let path = URL(fileURLWithPath: joined).standardizedFileURL.resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        return (path, path.hasPrefix(root.hasSuffix("/") ? root : root + "/"))
    }

    func resolve(_ relative: String, _ yaml: SuiteParser, _ node: Node, _ field: String) throws -> String {
        let (path, inside) = resolvePath(relative, base: directory)
        guard inside || allowOutside else {
            throw yaml.fail(node, field, "'\(relative)' is outside the manifest's directory \(directory) (set allow_outside: true under world: to permit it)")
        }
        return path
    }

    /// A CSV with the given header; paths are relative to the manifest. Fields may be quoted
    /// ("" is a quote inside one); a line break inside a field is refused.
    func readCSV(_ csv: String, columns: [String], classes: [String], into hasher: inout SHA256, files: inout [String: String],
                 _ yaml: SuiteParser, _ node: Node, _ field: String) throws -> [ManifestWorld.Entry] {
        guard let data = FileManager.default.contents(atPath: csv) else { throw yaml.fail(node, field, "\(csv): no such file") }
        hasher.update(data: Data("csv \(data.count)\n".utf8))
        hasher.update(data: data)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        func fail(_ line: Int, _ column: String, _ message: String) -> SuiteError {
            SuiteError(file: csv, line: line, field: column, message: message)
        }
        guard let header = lines.first, try split(header, csv, 1) == columns else {
            throw fail(1, "header", "expected the header '\(columns.joined(separator: ","))'")
        }
        var entries: [ManifestWorld.Entry] = []
        for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let n = i + 1
            let cells = try split(line, csv, n)
            guard cells.count == columns.count else { throw fail(n, "", "expected \(columns.count) fields (\(columns.joined(separator: ","))), got \(cells.count)") }
            let row = Dictionary(uniqueKeysWithValues: zip(columns, cells))
            var label = 0
            if columns.contains("label") {
                guard let l = classes.firstIndex(of: row["label"]!) else {
                    throw fail(n, "label", "unknown label '\(row["label"]!)'; the environment's classes are \(classes.joined(separator: ", "))")
                }
                label = l
            }
            let caption = row["caption"]!
            guard !caption.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail(n, "caption", "empty caption") }
            let (path, inside) = resolvePath(row["path"]!, base: directory)
            guard inside || allowOutside else {
                throw fail(n, "path", "'\(row["path"]!)' is outside the manifest's directory \(directory) (set allow_outside: true under world: to permit it)")
            }
            if files[path] == nil {
                guard let bytes = FileManager.default.contents(atPath: path) else { throw fail(n, "path", "\(path): no such file") }
                do { _ = try ImageFile.decode(bytes, path: path) } catch let e as ImageFileError { throw fail(n, "path", e.description) }
                files[path] = hex(SHA256.hash(data: bytes))
            }
            hasher.update(data: Data("\(row["path"]!.utf8.count) \(row["path"]!) \(files[path]!)\n".utf8))
            entries.append(ManifestWorld.Entry(path: path, label: label, caption: caption))
        }
        guard !entries.isEmpty else { throw fail(1, "", "the split is empty (a header and no rows)") }
        return entries
    }

    func split(_ line: String, _ csv: String, _ n: Int) throws -> [String] {
        var cells: [String] = [], current = "", quoted = false, wasQuoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { current.append("\""); chars.removeFirst() } else { quoted = false }
                } else { current.append(c) }
            } else if c == "," {
                cells.append(current); current = ""; wasQuoted = false
            } else if c == "\"" && current.isEmpty && !wasQuoted {
                quoted = true; wasQuoted = true
            } else { current.append(c) }
        }
        guard !quoted else { throw SuiteError(file: csv, line: n, field: "", message: "unterminated quoted field") }
        cells.append(current)
        return cells
    }
}
