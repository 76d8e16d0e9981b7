import Analysis

/// Turns a table of accuracies read from any format into a validated matrix: columns named and
/// unique, dropped columns removed, the training order applied, one scale for the whole table,
/// every value a finite accuracy (docs/import.md).
struct MatrixShaping {
    var file: String
    /// Where a row was read: its own line (CSV), the run's line (JSON lines), none (.npy).
    var rowLine: (Int) -> Int?
    /// Where the column names were read.
    var namesLine: Int?
    /// How a cell is named in messages ("row 2, column b").
    var cellName: (Int, String) -> String = { "row \($0 + 1), column '\($1)'" }

    func fail(_ line: Int?, _ message: String) -> ImportError { ImportError(file: file, line: line, message) }

    func shape(values: [[Double]], names: [String], loss: [[Double]]?, drop: [String], heldOut: Int, order: [String]?,
               scale: AccuracyCSV.Scale?, baseline: Bool) throws -> (matrix: AccuracyMatrix, columns: [String], loss: [[Double]]?, scale: AccuracyCSV.Scale) {
        for (j, n) in names.enumerated() {
            if n.isEmpty { throw fail(namesLine, "column \(j + 1) has no name") }
            if let first = names[..<j].firstIndex(of: n) {
                throw fail(namesLine, "environment '\(n)' names columns \(first + 1) and \(j + 1); names must be unique")
            }
        }
        for (i, row) in values.enumerated() where row.count != names.count {
            throw fail(rowLine(i), "row \(i + 1) has \(row.count) values, expected \(names.count) (one per column: \(names.joined(separator: ",")))")
        }
        guard !values.isEmpty else { throw fail(namesLine, "no rows of accuracies") }
        if let loss {
            guard loss.count == values.count, zip(loss, values).allSatisfy({ $0.count == $1.count }) else {
                throw fail(rowLine(0), "the loss matrix is \(loss.count) x \(loss.first?.count ?? 0); the accuracy matrix is \(values.count) x \(names.count)")
            }
        }
        // Columns kept, in training order then held-out.
        for d in drop where !names.contains(d) {
            throw fail(namesLine, "--drop-column '\(d)' is not a column (columns: \(names.joined(separator: ",")))")
        }
        var kept = names.indices.filter { !drop.contains(names[$0]) }
        guard heldOut >= 0, heldOut < kept.count else {
            throw fail(namesLine, "--held-out \(heldOut) leaves no trained environment among \(kept.count) columns")
        }
        let trained = Array(kept.prefix(kept.count - heldOut)), held = Array(kept.suffix(heldOut))
        if let order {
            let trainedNames = trained.map { names[$0] }
            if let extra = order.first(where: { !trainedNames.contains($0) }) {
                throw fail(namesLine, "the order names '\(extra)', which is not a trained column (trained: \(trainedNames.joined(separator: ",")))")
            }
            if let dup = order.enumerated().first(where: { order[..<$0.offset].contains($0.element) }) {
                throw fail(namesLine, "the order names '\(dup.element)' twice")
            }
            if let missing = trainedNames.first(where: { !order.contains($0) }) {
                throw fail(namesLine, "the order does not name the trained column '\(missing)' (order: \(order.joined(separator: ",")))")
            }
            kept = order.map { o in trained.first { names[$0] == o }! } + held
        }
        // Values: finite, never negative, one scale.
        var aboveOne: (Int, Int)?, fractionLike: (Int, Int)?
        for (i, row) in values.enumerated() {
            for j in kept {
                let v = row[j]
                guard v.isFinite else { throw fail(rowLine(i), "\(cellName(i, names[j])) is \(v.isNaN ? "NaN" : "infinite"); every accuracy must be a number") }
                guard v >= 0 else { throw fail(rowLine(i), "\(cellName(i, names[j])) is \(v); accuracies are not negative") }
                guard v <= 100 else { throw fail(rowLine(i), "\(cellName(i, names[j])) is \(v); accuracies are fractions in [0, 1] or percentages in [0, 100]") }
                if v > 1, aboveOne == nil { aboveOne = (i, j) }
                if v > 0, v < 1, fractionLike == nil { fractionLike = (i, j) }
            }
        }
        let resolved: AccuracyCSV.Scale
        switch scale {
        case .fraction?:
            if let (i, j) = aboveOne {
                throw fail(rowLine(i), "\(cellName(i, names[j])) is \(values[i][j]), above 1 with --scale fraction (use --scale percent for percentages)")
            }
            resolved = .fraction
        case .percent?:
            resolved = .percent
        case nil:
            if let (i, j) = aboveOne {
                if let (fi, fj) = fractionLike {
                    throw fail(rowLine(fi), "\(cellName(fi, names[fj])) is \(values[fi][fj]), a fraction beside the percentage \(values[i][j]) at \(cellName(i, names[j])): "
                        + "mixed scales; if it is a genuine accuracy below 1%, say --scale percent")
                }
                resolved = .percent
            } else {
                resolved = .fraction
            }
        }
        let divisor = resolved == .percent ? 100.0 : 1.0
        let shaped = values.map { row in kept.map { row[$0] / divisor } }
        let matrix: AccuracyMatrix
        do {
            matrix = try AccuracyMatrix(values: shaped, heldOutCount: held.count, hasBaseline: baseline)
        } catch let e as AccuracyMatrix.ShapeError {
            throw fail(namesLine ?? rowLine(0), "\(e)")
        }
        if let loss {
            for (i, row) in loss.enumerated() {
                for j in kept where !(row[j].isFinite && row[j] >= 0) {
                    throw fail(rowLine(i), "loss at \(cellName(i, names[j])) is \(row[j]); losses are finite and not negative")
                }
            }
        }
        return (matrix, kept.map { names[$0] }, loss.map { l in l.map { row in kept.map { row[$0] } } }, resolved)
    }
}
