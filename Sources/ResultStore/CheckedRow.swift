import GRDB

/// A row read from a database file that may have been edited by hand or crafted: each value
/// is decoded with its type checked, and stage and column numbers against their limits, so an
/// impossible row is an error naming the table, the row and the column (never a crash or a
/// huge allocation).
struct CheckedRow {
    let row: Row
    let table: String
    let rowid: Int64
    let path: String

    init(_ row: Row, table: String, path: String) {
        self.row = row
        self.table = table
        self.path = path
        rowid = (try? row.decode(Int64.self, atIndex: 0)) ?? -1  // the run's id, or a child row's rowid
    }

    /// Stages and matrix columns beyond this are refused: a suite trains far fewer
    /// environments, and the limit bounds what an accuracy matrix can allocate.
    static let maxIndex = 1000

    func problem(_ column: String, _ what: String) -> StoreError {
        StoreError("\(path): table \(table), row \(rowid): \(column) \(what); the file was not written by clvbench or is damaged")
    }

    subscript<T: DatabaseValueConvertible>(_ column: String) -> T {
        get throws {
            do { return try row.decode(T.self, forColumn: column) } catch {
                let value = row[column] as DatabaseValue? ?? .null
                throw problem(column, "holds \(Self.describe(value)), expected \(Self.name(T.self))")
            }
        }
    }

    subscript<T: DatabaseValueConvertible>(_ index: Int) -> T {
        get throws {
            do { return try row.decode(T.self, atIndex: index) } catch {
                let name = row.columnNames.dropFirst(index).first ?? "column \(index)"
                throw problem(name, "holds \(Self.describe(row[index] as DatabaseValue? ?? .null)), expected \(Self.name(T.self))")
            }
        }
    }

    /// A stage or column number: an integer in 0...maxIndex.
    func index(_ column: String) throws -> Int {
        let raw = row[column] as DatabaseValue? ?? .null
        guard case .int64 = raw.storage else { throw problem(column, "holds \(Self.describe(raw)), expected an integer") }
        let v: Int = try self[column]
        guard (0...Self.maxIndex).contains(v) else { throw problem(column, "= \(v) is outside 0...\(Self.maxIndex)") }
        return v
    }

    static func name<T>(_ t: T.Type) -> String {
        let s = String(describing: t)
        switch s {
        case "Int", "Int64": return "an integer"
        case "Double": return "a number"
        case "String": return "text"
        case "Bool": return "0 or 1"
        default:
            if s.hasPrefix("Optional<") { return name(String(s.dropFirst(9).dropLast())) + " or NULL" }
            return s
        }
    }

    static func name(_ s: String) -> String {
        ["Int": "an integer", "Int64": "an integer", "Double": "a number", "String": "text", "Bool": "0 or 1"][s] ?? s
    }

    static func describe(_ v: DatabaseValue) -> String {
        switch v.storage {
        case .null: "NULL"
        case .int64(let i): "the integer \(i)"
        case .double(let d): "the number \(d)"
        case .string(let s): "the text '\(DisplayText.neutralised(String(s.prefix(40)), singleLine: true))'"
        case .blob(let b): "a blob of \(b.count) bytes"
        }
    }
}
