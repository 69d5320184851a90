/// Training data that cannot be used: a missing or empty file, a line that is not JSON, a missing
/// or mistyped field. The description names the file and line.
public struct DataError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
