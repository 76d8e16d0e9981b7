import Analysis
import Foundation
import Linalg

/// An external method failed; `log` keeps the process's stderr for the run's record.
public struct ExternalMethodError: Error, CustomStringConvertible {
    public var description: String
    public var log: String
}

/// Runs one cell through an external process speaking docs/protocol.md: writes the run's
/// environments to a private directory, drives the process stage by stage over JSON lines,
/// validates every answer, and builds the same `CellResult` a built-in method gives.
struct ExternalCellRunner {
    /// The versions clvbench speaks; a suite's method declares one (`external.protocol`,
    /// default 1) and every message both ways carries it. Version 2 adds image file paths.
    static let protocolVersions = 1...2
    var protocolVersion: Int { spec.protocolVersion }
    let data: WorldData
    let runner: CellRunner
    let spec: ExternalMethodSpec
    let shapley: Bool
    /// The built-in pretrained model, offered to the method in hello (nil: not offered).
    var pretrained: PretrainedStart?
    var workingDirectory = FileManager.default.currentDirectoryPath

    func run(order: [Int], seed: Int, suiteSeed: Int, methodParameters: [String: String]) throws -> (CellResult, String) {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("clvbench-external-\(UUID().uuidString)")
        ProcessContainment.register(directory: work.path)
        try fm.createDirectory(at: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var started: ExternalProcess?
        // Whatever the outcome: nothing the method started survives, its directory goes.
        defer {
            started?.contain()
            try? fm.removeItem(at: work)
            ProcessContainment.unregister(directory: work.path)
        }
        let input = work.appendingPathComponent("input")
        try fm.createDirectory(at: input, withIntermediateDirectories: true)
        let envs = try writeInputs(to: input)
        let offered = try pretrained?.write(into: work)
        let start = Date()
        let deadline = DispatchTime.now() + spec.timeoutSeconds
        let proc: ExternalProcess
        do {
            proc = try ExternalProcess(command: spec.command, environment: spec.environment, workingDirectory: workingDirectory,
                                       stderrFile: work.appendingPathComponent("stderr.txt"), protocolVersion: protocolVersion)
        } catch let e as ExternalProcess.Failure {
            throw ExternalMethodError(description: e.description, log: "")
        }
        started = proc
        // The run directory as the kernel names it, so that symlinks out of it are seen.
        let realWork = realPath(work.path) ?? work.path
        var lineNumber = 0
        func fail(_ message: String) -> ExternalMethodError {
            proc.kill()
            return ExternalMethodError(description: message, log: proc.stderrTail())
        }
        /// The next protocol message (log messages are skipped).
        func receive(_ expected: String) throws -> [String: Any] {
            while true {
                let line: String?
                do { line = try proc.nextLine(deadline: deadline) } catch is ExternalProcess.LineTooLong {
                    throw fail("output line \(lineNumber + 1) is longer than the limit of \(ExternalProcess.maximumLineLength) bytes (docs/protocol.md); the process and its children were killed")
                } catch {
                    throw fail("exceeded its timeout of \(fmtSeconds(spec.timeoutSeconds)) while waiting for '\(expected)'; the process and its children were killed")
                }
                guard let line else {
                    let status = proc.wait(seconds: 2)
                    throw fail("exited\(status.map { " with status \($0)" } ?? "") before sending '\(expected)'")
                }
                lineNumber += 1
                if line.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }  // stops at the first other byte
                guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                    throw fail("output line \(lineNumber) is not a JSON object: '\(line.prefix(200))'")
                }
                guard let type = obj["type"] as? String else { throw fail("output line \(lineNumber) has no \"type\"") }
                guard jsonInt(obj["protocol"]) == protocolVersion else {
                    throw fail("output line \(lineNumber) ('\(TextCheck.visible(type))') speaks protocol \(jsonText(obj["protocol"])); clvbench speaks \(protocolVersion) to this method (external.protocol)")
                }
                if type == "log" { continue }
                guard type == expected else {
                    throw fail("output line \(lineNumber): unexpected message type '\(TextCheck.visible(type))' (expected '\(expected)')")
                }
                return obj
            }
        }
        func send(_ obj: [String: Any]) throws {
            let d = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            do { try proc.send(String(decoding: d, as: UTF8.self)) } catch {
                // SIGPIPE is ignored (clvbench's main), so a dead reader is an error here.
                let status = proc.wait(seconds: 2)
                throw fail(status.map { "exited with status \($0) before reading '\(obj["type"] ?? "")'" }
                           ?? "closed its input before reading '\(obj["type"] ?? "")'; the process and its children were killed")
            }
        }

        var hello: [String: Any] = ["type": "hello", "protocol": protocolVersion, "seed": seed, "suite_seed": suiteSeed,
                                    "order": order.map { data.names[$0] }, "parameters": methodParameters, "directory": work.path,
                                    "image_shape": [data.imageSize, data.imageSize, 3], "environments": envs, "shapley": shapley]
        if let offered { hello["pretrained"] = offered }
        try send(hello)
        _ = try receive("ready")

        let columnsAll = data.names.indices
        var state: PrefixState?
        for stage in 0...order.count {
            let trained: Any = stage == 0 ? NSNull() : data.names[order[stage - 1]]
            try send(["type": "stage", "protocol": protocolVersion, "stage": stage, "train": trained,
                      "shapley": shapley && stage > 0])
            let result = try receive("result")
            guard jsonInt(result["stage"]) == stage else { throw fail("result for stage \(jsonText(result["stage"])), expected stage \(stage)") }
            guard let perEnv = result["environments"] as? [String: Any] else { throw fail("stage \(stage): result has no \"environments\" object") }
            var cp = CheckpointEvaluation()
            var dimension: Int?
            for e in columnsAll {
                let name = data.names[e]
                guard let r = perEnv[name] as? [String: Any] else { throw fail("stage \(stage): no result for environment '\(name)'") }
                guard let acc = jsonNumber(r["accuracy"]), acc.isFinite, (0...1).contains(acc) else {
                    throw fail("stage \(stage), \(name): accuracy \(jsonText(r["accuracy"])) is not a number in [0, 1]")
                }
                guard let loss = jsonNumber(r["loss"]), loss.isFinite else {
                    throw fail("stage \(stage), \(name): loss \(jsonText(r["loss"])) is not a finite number")
                }
                let n = data.evaluation[e].images.rows
                var pair: [Matrix] = []
                for key in ["image_embeddings", "caption_embeddings"] {
                    guard let file = r[key] as? String else { throw fail("stage \(stage), \(name): \"\(key)\" missing") }
                    guard !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
                        throw fail("stage \(stage), \(name): \(key) '\(TextCheck.visible(file))' must be a path inside the run directory")
                    }
                    let url = work.appendingPathComponent(file)
                    guard let real = realPath(url.path) else { throw fail("stage \(stage), \(name): \(key) file '\(TextCheck.visible(file))' is missing") }
                    // A symlink (or a symlinked directory) may point anywhere: check where it lands.
                    guard real.hasPrefix(realWork + "/") else {
                        throw fail("stage \(stage), \(name): \(key) '\(TextCheck.visible(file))' resolves to '\(TextCheck.visible(real))', outside the run directory")
                    }
                    let array: NPYArray
                    do { array = try NPY.read(path: real) } catch { throw fail("stage \(stage), \(name): \(key) file '\(file)': \(error)") }
                    guard array.shape.count == 2, array.shape[0] == n, array.shape[1] >= 1 else {
                        throw fail("stage \(stage), \(name): \(key) '\(file)' has shape \(array.shape); expected (\(n), d) for \(n) evaluation samples")
                    }
                    if let d = dimension, d != array.shape[1] {
                        throw fail("stage \(stage), \(name): \(key) '\(file)' has dimension \(array.shape[1]); earlier embeddings have \(d)")
                    }
                    dimension = array.shape[1]
                    guard array.values.allSatisfy(\.isFinite) else { throw fail("stage \(stage), \(name): \(key) '\(file)' contains NaN or infinite values") }
                    let d = array.shape[1]
                    if let row = (0..<n).first(where: { i in (0..<d).allSatisfy { array.values[i * d + $0] == 0 } }) {
                        throw fail("stage \(stage), \(name): \(key) '\(file)' row \(row) is all zeros; an embedding needs a direction")
                    }
                    pair.append(try array.matrix().l2NormalizedRows().normalized)
                }
                cp.append(accuracy: acc, loss: loss, images: pair[0], captions: pair[1])
            }
            if stage == 0 {
                state = runner.initial(method: nil, pretrained: nil, baseline: cp)
            } else {
                let prev = state!.checkpoints[stage - 1]
                runner.appendCheckpoint(&state!, environment: order[stage - 1], checkpoint: cp)
                if shapley, let sh = result["shapley"] as? [String: Any] {
                    state!.attributions += try attributions(sh, stage: stage, prev: prev, now: cp, fail: fail)
                }
            }
        }
        try send(["type": "finish", "protocol": protocolVersion])
        proc.closeInput()
        let remaining = max(0.5, spec.timeoutSeconds - Date().timeIntervalSince(start))
        guard let status = proc.wait(seconds: min(remaining, 30)) else {
            throw ExternalMethodError(description: "did not exit after 'finish'; the process and its children were killed", log: proc.stderrTail())
        }
        proc.contain()  // before the log is read: a child still writing to stderr is stopped
        guard status == 0 else { throw ExternalMethodError(description: "exited with status \(status) after 'finish'", log: proc.stderrTail()) }
        state!.seconds = Date().timeIntervalSince(start)
        return (try runner.finish(state!), proc.stderrTail())
    }

    /// Exact Shapley values from the six intermediate accuracies the process reported.
    func attributions(_ sh: [String: Any], stage: Int, prev: CheckpointEvaluation, now: CheckpointEvaluation,
                      fail: (String) -> ExternalMethodError) throws -> [StageAttribution] {
        // The protocol names a coalition by its groups: "vision", "vision+language", ... (docs/protocol.md).
        let masks = Array(1..<GroupValues.allGroups)
        let coalitions = masks.map { m in ParameterGroup.allCases.filter { m & (1 << $0.rawValue) != 0 }.map(\.name).joined(separator: "+") }
        return try data.names.indices.map { e in
            let name = data.names[e]
            guard let entry = sh[name] as? [String: Any] else { throw fail("stage \(stage): shapley has no entry for '\(name)'") }
            var worth = [Double](repeating: 0, count: GroupValues.allGroups + 1)
            worth[0] = prev.accuracy[e]; worth[GroupValues.allGroups] = now.accuracy[e]
            for (c, m) in zip(coalitions, masks) {
                guard let v = jsonNumber(entry[c]), v.isFinite, (0...1).contains(v) else {
                    throw fail("stage \(stage), \(name): shapley accuracy for '\(c)' is missing or outside [0, 1]")
                }
                worth[m] = v
            }
            return StageAttribution(stage: stage, environment: name, accuracy: .shapley { worth[$0] }, loss: .zero)
        }
    }

    /// Writes every environment's images (.npy, n x H x W x 3 float32), labels (.npy uint8) and
    /// captions (JSON); returns their descriptions for the hello message.
    func writeInputs(to dir: URL) throws -> [[String: Any]] {
        var out: [[String: Any]] = []
        let s = data.imageSize
        for (e, name) in data.names.enumerated() {
            var files: [String: Any] = ["name": name, "held_out": data.heldOut[e], "class_names": data.text[e].classNames,
                                        "class_prompts": data.text[e].classPrompts]
            let sets: [(String, Matrix, [Int], [String])] = [
                ("train", data.training[e].trainImages, data.training[e].trainLabels, data.text[e].trainCaptions),
                ("eval", data.evaluation[e].images, data.evaluation[e].labels, data.text[e].evaluationCaptions),
            ]
            for (split, x, y, captions) in sets {
                let base = "input/\(name).\(split)"
                try NPY.encode(NPYArray(shape: [x.rows, s, s, 3], dtype: .float32, values: x.storage.map(Double.init)))
                    .write(to: dir.deletingLastPathComponent().appendingPathComponent(base + ".images.npy"))
                try NPY.encode(NPYArray(shape: [y.count], dtype: .uint8, values: y.map(Double.init)))
                    .write(to: dir.deletingLastPathComponent().appendingPathComponent(base + ".labels.npy"))
                try JSONSerialization.data(withJSONObject: captions).write(to: dir.deletingLastPathComponent().appendingPathComponent(base + ".captions.json"))
                files["\(split)_images"] = base + ".images.npy"
                files["\(split)_labels"] = base + ".labels.npy"
                files["\(split)_captions"] = base + ".captions.json"
            }
            // Version 2: the original image files (absolute paths, sample order), null for
            // rendered worlds, so a method can read full-resolution images itself.
            if protocolVersion >= 2 {
                files["train_files"] = data.text[e].trainFiles ?? NSNull()
                files["eval_files"] = data.text[e].evaluationFiles ?? NSNull()
            }
            out.append(files)
        }
        return out
    }
}

/// A JSON number; nil for anything else, booleans included (JSONSerialization bridges `true`
/// to an NSNumber that reads as 1).
func jsonNumber(_ v: Any?) -> Double? {
    guard let n = v as? NSNumber, String(cString: n.objCType) != "c" else { return nil }
    return n.doubleValue
}

/// A JSON number that is a whole number.
func jsonInt(_ v: Any?) -> Int? {
    guard let d = jsonNumber(v), d == d.rounded(), abs(d) < 1e15 else { return nil }
    return Int(d)
}

/// A JSON value as it was written, for messages ("true", "0.5", "missing").
func jsonText(_ v: Any?) -> String {
    guard let v else { return "missing" }
    if let n = v as? NSNumber, String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
    if v is NSNull { return "null" }
    return TextCheck.visible("\(v)")
}

/// The path with every symlink resolved, or nil when it does not exist.
func realPath(_ path: String) -> String? {
    guard let p = realpath(path, nil) else { return nil }
    defer { free(p) }
    return String(cString: p)
}

func fmtSeconds(_ s: Double) -> String { s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s) }
