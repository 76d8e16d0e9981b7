import Foundation

/// A problem with a template or a page, naming the file.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ d: String) { description = d }
}
