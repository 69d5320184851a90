/// One command of the workbench's language: its name, how it is written, what it does, the words
/// that may follow it (for completion and suggestions) and the code that runs it on a controller.
public struct CommandSpec {
    /// What completes an argument of the command.
    public enum ArgumentKind: Sendable, Equatable {
        case none, path, module, configKey, recipeKey, recipeKeyName, adapter, theme, command, method, run
    }

    public let name: String
    /// `target add|remove|only PATTERN...`
    public let usage: String
    /// One line for `help`.
    public let summary: String
    /// Subcommands (`add`, `remove`, ...), empty when the command has none.
    public let subcommands: [String]
    /// What the arguments after the (sub)command are, for tab completion; by subcommand, `""` for all.
    public let arguments: [String: ArgumentKind]
    let run: (Controller, Invocation) throws -> Void

    init(_ name: String, usage: String, summary: String, subcommands: [String] = [],
         arguments: [String: ArgumentKind] = [:], run: @escaping (Controller, Invocation) throws -> Void) {
        self.name = name
        self.usage = usage
        self.summary = summary
        self.subcommands = subcommands
        self.arguments = arguments
        self.run = run
    }

    /// What completes the arguments of this command after `subcommand`.
    public func argumentKind(after subcommand: String?) -> ArgumentKind {
        subcommand.flatMap { arguments[$0] } ?? arguments[""] ?? .none
    }
}

/// The words of one command line after the command name, with the checks every command needs;
/// errors name the command.
struct Invocation {
    /// The command as typed so far (`adapter`, then `adapter new` once the subcommand is read).
    private(set) var command: String
    private(set) var words: [String]
    let usage: String

    init(command: String, words: [String], usage: String) {
        self.command = command
        self.words = words
        self.usage = usage
    }

    /// An error about this command.
    func error(_ message: String) -> CommandError { CommandError(command, message) }

    /// Takes the subcommand, which must be one of `valid`.
    mutating func subcommand(_ valid: [String]) throws -> String {
        guard let word = words.first else { throw error("say which: \(valid.joined(separator: ", ")) (usage: \(usage))") }
        guard valid.contains(word) else { throw CommandError.unknown(command, what: "subcommand", word: word, valid: valid) }
        words.removeFirst()
        command += " " + word
        return word
    }

    /// The arguments, which must number between `min` and `max`; `names` describes them.
    func arguments(_ min: Int, _ max: Int = Int.max, names: String) throws -> [String] {
        guard words.count >= min else { throw error("missing \(names) (usage: \(usage))") }
        guard words.count <= max else { throw error("too many arguments: \(words.dropFirst(max).joined(separator: " ")) (usage: \(usage))") }
        return words
    }

    /// Removes `--flag` from the words and tells whether it was there.
    mutating func flag(_ name: String) -> Bool {
        guard let index = words.firstIndex(of: name) else { return false }
        words.remove(at: index)
        return true
    }

    /// Removes `--name VALUE` from the words and returns VALUE.
    mutating func option(_ name: String) throws -> String? {
        guard let index = words.firstIndex(of: name) else { return nil }
        guard index + 1 < words.count else { throw error("\(name) needs a value (usage: \(usage))") }
        let value = words[index + 1]
        words.removeSubrange(index ... index + 1)
        return value
    }

    /// Refuses options it does not know (words starting with `--`).
    func noUnknownOptions(_ known: [String]) throws {
        if let option = words.first(where: { $0.hasPrefix("--") }) {
            throw CommandError.unknown(command, what: "option", word: option, valid: known)
        }
    }

    /// Splits `KEY=VALUE` words into pairs.
    func keyValues(_ words: [String]) throws -> [(key: String, value: String)] {
        try words.map { word in
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                throw error("\"\(word)\" is not KEY=VALUE (usage: \(usage))")
            }
            return (String(word[..<equals]), String(word[word.index(after: equals)...]))
        }
    }
}

/// Every command of the language, by name.
public struct CommandTable {
    public let commands: [CommandSpec]

    init(_ families: [[CommandSpec]]) {
        commands = families.flatMap { $0 }
    }

    /// Command names in the order `help` lists them.
    public var names: [String] { commands.map(\.name) }

    /// The command `name`, or an error suggesting the closest.
    public func lookup(_ name: String) throws -> CommandSpec {
        guard let spec = commands.first(where: { $0.name == name }) else {
            throw CommandError.unknown("", what: "command", word: name, valid: names)
        }
        return spec
    }

    /// The standard table.
    static let standard: CommandTable = CommandTable([
        ModelCommands.all, TargetCommands.all, ConfigCommands.all, AdapterCommands.all,
        DataCommands.all, TrainingCommands.all, RecipeCommands.all, RunCommands.all, SessionCommands.all,
    ])
}
