/// A recipe that cannot run: a key it does not know, a value of the wrong kind or range, a file
/// that is missing. The description names the key (and the closest known one) or the file.
public struct RecipeError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
