import Foundation

/// Reads an accuracy matrix from CSV text, so matrices from models trained elsewhere can be scored.
///
/// Rows are stages, columns environments (trained in order, then held-out). An optional header
/// line of names is recognised by its first field not being a number. Values may be fractions
/// in [0, 1] or percentages in [0, 100]; the scale is detected from the values: any value
/// above 1 means percentages. A percentage matrix that also holds a fraction written with
/// digits after the point below 1 (0.85 beside 91.2) is a mix of scales and an error.
public struct AccuracyCSV: Sendable {
    public enum Scale: String, Codable, Sendable { case fraction, percent }

    public var matrix: AccuracyMatrix
    public var header: [String]?
    public var scale: Scale

    /// An error that names the line (1-based, counting the header) and what was wrong.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var line: Int?
        public var message: String
        public var description: String { line.map { "line \($0): \(message)" } ?? message }
    }

    public static func parse(_ text: String, heldOut: Int = 0, hasBaseline: Bool = true) throws -> AccuracyCSV {
        guard heldOut >= 0 else { throw ParseError(line: nil, message: "--held-out must be 0 or more, got \(heldOut)") }
        var lines: [(number: Int, fields: [String])] = []
        // "\r\n" is one Character in Swift and counts as a newline, so Windows files split too.
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            lines.append((i + 1, line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }))
        }
        guard !lines.isEmpty else { throw ParseError(line: nil, message: "no rows: the file is empty") }
        var header: [String]?
        if Double(lines[0].fields[0]) == nil {
            header = lines[0].fields
            lines.removeFirst()
        }
        guard !lines.isEmpty else { throw ParseError(line: nil, message: "a header but no rows of accuracies") }
        let width = header?.count ?? lines[0].fields.count
        var values: [[Double]] = []
        var hasFractionLike: (line: Int, text: String)?
        var hasAboveOne: (line: Int, text: String)?
        for (number, fields) in lines {
            guard fields.count == width else {
                throw ParseError(line: number, message: "\(fields.count) values, expected \(width) like "
                    + (header != nil ? "the header" : "the first row"))
            }
            var row: [Double] = []
            for (j, f) in fields.enumerated() {
                guard let v = Double(f), v.isFinite else {
                    throw ParseError(line: number, message: "column \(j + 1): '\(f)' is not a number")
                }
                guard v >= 0 else { throw ParseError(line: number, message: "column \(j + 1): \(f) is negative") }
                guard v <= 100 else { throw ParseError(line: number, message: "column \(j + 1): \(f) is over 100") }
                if v > 1, hasAboveOne == nil { hasAboveOne = (number, f) }
                if v > 0, v < 1, f.contains("."), hasFractionLike == nil { hasFractionLike = (number, f) }
                row.append(v)
            }
            values.append(row)
        }
        var scale = Scale.fraction
        if let above = hasAboveOne {
            scale = .percent
            if let frac = hasFractionLike {
                throw ParseError(line: frac.line, message: "'\(frac.text)' looks like a fraction but line \(above.line) "
                    + "has the percentage '\(above.text)'; use one scale for the whole file")
            }
            values = values.map { $0.map { $0 / 100 } }
        }
        do {
            let m = try AccuracyMatrix(values: values, heldOutCount: heldOut, hasBaseline: hasBaseline)
            return AccuracyCSV(matrix: m, header: header, scale: scale)
        } catch let e as AccuracyMatrix.ShapeError {
            throw ParseError(line: nil, message: e.description)
        }
    }
}
