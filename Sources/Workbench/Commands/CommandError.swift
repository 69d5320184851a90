import Models

/// A command that could not run: names the command (`config set`) and says what was wrong, with
/// the closest valid word when the user mistyped one.
public struct CommandError: Error, CustomStringConvertible, Equatable {
    /// The command as typed up to its subcommand (`target add`).
    public let command: String
    public let message: String

    public init(_ command: String, _ message: String) {
        self.command = command
        self.message = message
    }

    /// An unknown `word` where one of `valid` was expected: lists them, or suggests the closest.
    public static func unknown(_ command: String, what: String, word: String, valid: [String]) -> CommandError {
        if let close = EditDistance.suggestion(for: word, among: valid) {
            return CommandError(command, "unknown \(what) \"\(word)\"; did you mean \(close)?")
        }
        return CommandError(command, "unknown \(what) \"\(word)\"; expected one of: \(valid.joined(separator: ", "))")
    }

    public var description: String { command.isEmpty ? message : "\(command): \(message)" }
}
