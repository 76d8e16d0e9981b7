import Analysis
import Foundation

/// Reads the runs of one file for `clvbench import`: a CSV matrix, a .npy matrix, or JSON lines
/// of many runs (docs/import.md). Any problem is an `ImportError` naming file and line.
public enum ImportReader {
    public static func read(_ path: String, data: Data, options: ImportOptions) throws -> [ImportedRun] {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "csv": return [try csv(path, data, options)]
        case "npy": return [try npy(path, data, options)]
        case "jsonl", "ndjson": return try jsonLines(path, data, options)
        default: throw ImportError(file: path, "unknown kind of file: import reads .csv, .npy and .jsonl")
        }
    }

    // MARK: CSV

    /// A header naming the environments, optionally a first `stage` column; one row per stage.
    static func csv(_ path: String, _ data: Data, _ o: ImportOptions) throws -> ImportedRun {
        guard let text = String(data: data, encoding: .utf8) else { throw ImportError(file: path, "not UTF-8 text") }
        var lines: [(number: Int, fields: [String])] = []
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            lines.append((i + 1, line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }))
        }
        guard let header = lines.first else { throw ImportError(file: path, "the file is empty") }
        if header.fields.allSatisfy({ Double($0) != nil }) {
            throw ImportError(file: path, line: header.number, "the first line must name the environments (a header such as stage,env1,env2)")
        }
        let rows = Array(lines.dropFirst())
        let hasStage = header.fields[0].lowercased() == "stage"
        var names = header.fields
        if hasStage { names.removeFirst() }
        var values: [[Double]] = [], stages: [Int] = []
        for (number, fields) in rows {
            guard fields.count == header.fields.count else {
                throw ImportError(file: path, line: number, "\(fields.count) fields, expected \(header.fields.count) like the header")
            }
            var cells = fields
            if hasStage {
                guard let s = Int(cells.removeFirst()), s >= 0 else {
                    throw ImportError(file: path, line: number, "stage '\(fields[0])' is not a whole number 0 or more")
                }
                if let prev = stages.last, s != prev + 1 {
                    throw ImportError(file: path, line: number, "stage \(s) after stage \(prev); stages are consecutive")
                }
                stages.append(s)
            }
            values.append(try cells.enumerated().map { j, f in
                let name = names[j]
                if f.lowercased().contains("nan") { throw ImportError(file: path, line: number, "column '\(name)' is NaN; every accuracy must be a number") }
                guard let v = Double(f) else { throw ImportError(file: path, line: number, "column '\(name)': '\(f)' is not a number") }
                return v
            })
        }
        let baseline = o.baselineRow || stages.first == 0
        if o.baselineRow, let first = stages.first, first != 0 {
            throw ImportError(file: path, line: rows[0].number, "--baseline-row, but the first stage is \(first), not 0")
        }
        let lineOf = rows.map(\.number)
        let shaping = MatrixShaping(file: path, rowLine: { lineOf[$0] }, namesLine: header.number,
                                    cellName: { _, column in "column '\(column)'" })
        let s = try shaping.shape(values: values, names: names, loss: nil, drop: o.dropColumns, heldOut: o.heldOut, order: o.order,
                                  scale: o.scale, baseline: baseline)
        return ImportedRun(file: path, line: nil, suite: o.suite, method: o.method, seed: o.seed, columns: s.columns, matrix: s.matrix,
                           loss: nil, scale: s.scale, codeVersion: o.codeVersion)
    }

    // MARK: .npy

    /// A two-dimensional array, rows = stages, columns named by `--columns`.
    static func npy(_ path: String, _ data: Data, _ o: ImportOptions) throws -> ImportedRun {
        let a: NPYArray
        do { a = try NPY.decode(data) } catch let e as NPYError { throw ImportError(file: path, e.message) }
        guard a.shape.count == 2 else {
            throw ImportError(file: path, "has shape \(a.shape); an accuracy matrix is two-dimensional (rows = stages, columns = environments)")
        }
        let (rows, cols) = (a.shape[0], a.shape[1])
        guard let names = o.columns else {
            throw ImportError(file: path, "a .npy matrix has no column names: give --columns with \(cols) names (and --drop-column for extra ones)")
        }
        guard names.count == cols else {
            throw ImportError(file: path, "--columns names \(names.count) environments; the matrix has \(cols) columns")
        }
        let values = (0..<rows).map { i in Array(a.values[(i * cols)..<((i + 1) * cols)]) }
        let shaping = MatrixShaping(file: path, rowLine: { _ in nil }, namesLine: nil)
        let s = try shaping.shape(values: values, names: names, loss: nil, drop: o.dropColumns, heldOut: o.heldOut, order: o.order,
                                  scale: o.scale, baseline: o.baselineRow)
        return ImportedRun(file: path, line: nil, suite: o.suite, method: o.method, seed: o.seed, columns: s.columns, matrix: s.matrix,
                           loss: nil, scale: s.scale, codeVersion: o.codeVersion)
    }

    // MARK: JSON lines

    static let derivedFigures = Set(ContinualMetric.allCases.map(\.rawValue))
    static let jsonKeys: Set<String> = ["suite", "method", "seed", "order", "code_version", "columns", "matrix", "loss", "held_out",
                                        "scale", "baseline_row", "drop_columns", "embeddings"]

    /// One run per line; fields docs/import.md lists; a line's fields win over the options.
    static func jsonLines(_ path: String, _ data: Data, _ o: ImportOptions) throws -> [ImportedRun] {
        guard let text = String(data: data, encoding: .utf8) else { throw ImportError(file: path, "not UTF-8 text") }
        var runs: [ImportedRun] = []
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let n = i + 1
            func fail(_ m: String) -> ImportError { ImportError(file: path, line: n, m) }
            // NaN is not JSON; say so rather than "not JSON".
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                if line.contains("NaN") { throw fail("NaN is not a JSON number (and not an accuracy); every accuracy must be a number") }
                throw fail("not a JSON object")
            }
            for k in object.keys.sorted() where !jsonKeys.contains(k) && !derivedFigures.contains(k) {
                throw fail("unknown field '\(k)' (fields: \((jsonKeys.union(derivedFigures)).sorted().joined(separator: ", ")))")
            }
            func string(_ k: String) throws -> String? {
                guard let v = object[k] else { return nil }
                guard let s = v as? String, !s.isEmpty else { throw fail("'\(k)' must be a non-empty string") }
                return s
            }
            func strings(_ k: String) throws -> [String]? {
                guard let v = object[k] else { return nil }
                guard let s = v as? [String] else { throw fail("'\(k)' must be a list of strings") }
                return s
            }
            func number(_ v: Any) -> Double? {
                guard let x = v as? NSNumber, String(cString: x.objCType) != "c" else { return nil }  // "c": true/false
                return x.doubleValue
            }
            func table(_ k: String) throws -> [[Double]]? {
                guard let v = object[k] else { return nil }
                guard let rows = v as? [Any] else { throw fail("'\(k)' must be a list of rows") }
                return try rows.enumerated().map { r, row in
                    guard let cells = row as? [Any] else { throw fail("'\(k)' row \(r + 1) is not a list") }
                    return try cells.enumerated().map { c, cell in
                        guard let x = number(cell) else { throw fail("'\(k)' row \(r + 1), value \(c + 1) is not a number") }
                        return x
                    }
                }
            }
            let suite = try string("suite") ?? o.suite, method = try string("method") ?? o.method
            var seed = o.seed
            if let s = object["seed"] {
                guard let x = number(s), x == x.rounded(), x >= 0, x <= Double(Int32.max) else { throw fail("'seed' must be a whole number 0 or more") }
                seed = Int(x)
            }
            guard let matrix = try table("matrix") else { throw fail("missing 'matrix' (rows = stages, columns = environments)") }
            let order = try strings("order") ?? o.order
            guard let columns = try strings("columns") ?? order ?? o.columns else {
                throw fail("missing 'columns' (the matrix's environment names; or 'order' when there are no held-out ones)")
            }
            var heldOut = o.heldOut
            if let h = object["held_out"] {
                guard let x = number(h), x == x.rounded(), x >= 0 else { throw fail("'held_out' must be a whole number 0 or more") }
                heldOut = Int(x)
            }
            var scale = o.scale
            if let s = try string("scale") {
                guard let parsed = AccuracyCSV.Scale(rawValue: s) else { throw fail("'scale' is '\(s)'; expected fraction or percent") }
                scale = parsed
            }
            var baseline = o.baselineRow
            if let b = object["baseline_row"] {
                guard let x = b as? Bool else { throw fail("'baseline_row' must be true or false") }
                baseline = x
            }
            var carried: [String: Double] = [:]
            for k in derivedFigures where object[k] != nil {
                guard let x = number(object[k]!), x.isFinite else { throw fail("'\(k)' must be a number") }
                carried[k] = x
            }
            let shaping = MatrixShaping(file: path, rowLine: { _ in n }, namesLine: n,
                                        cellName: { r, c in "matrix row \(r + 1), column '\(c)'" })
            let s = try shaping.shape(values: matrix, names: columns, loss: try table("loss"), drop: try strings("drop_columns") ?? o.dropColumns,
                                      heldOut: heldOut, order: order, scale: scale, baseline: baseline)
            var embeddings = try string("embeddings")
            if let e = embeddings, !e.hasPrefix("/") {  // relative to the file
                embeddings = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(e).standardized.path
            }
            runs.append(ImportedRun(file: path, line: n, suite: suite, method: method, seed: seed, columns: s.columns, matrix: s.matrix,
                                    loss: s.loss, scale: s.scale, codeVersion: try string("code_version") ?? o.codeVersion,
                                    carried: carried, embeddings: embeddings))
        }
        guard !runs.isEmpty else { throw ImportError(file: path, "no runs: the file has no lines") }
        return runs
    }
}
