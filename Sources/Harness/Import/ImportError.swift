/// A problem with a file given to `clvbench import`: the file, the line where it is known, and
/// what was expected. Nothing is stored when any file has one.
public struct ImportError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var message: String
    public init(file: String, line: Int? = nil, _ message: String) {
        self.file = file; self.line = line; self.message = message
    }
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
