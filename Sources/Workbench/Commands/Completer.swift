import Foundation
import Models

/// Tab completion for a command line, shared by the REPL (readline) and the TUI's `:` line:
/// command names, subcommands, module names, config keys, recipe keys, adapters, themes and paths.
public struct Completer {
    let controller: Controller

    public init(controller: Controller) {
        self.controller = controller
    }

    /// Candidates for the word being typed at the end of `line`.
    public func candidates(for line: String) -> [String] {
        let endsWithSpace = line.last == " "
        var words = line.split(separator: " ").map(String.init)
        let current = endsWithSpace || words.isEmpty ? "" : words.removeLast()
        let options: [String]
        if words.isEmpty {
            options = controller.commands.names
        } else if let spec = try? controller.commands.lookup(words[0]) {
            if !spec.subcommands.isEmpty && words.count == 1 {
                options = spec.subcommands
            } else {
                let sub = spec.subcommands.isEmpty ? nil : words[1]
                let position = words.count - (spec.subcommands.isEmpty ? 1 : 2)
                options = values(spec.argumentKind(after: sub), current: current, position: position, command: spec.name)
            }
        } else {
            options = []
        }
        return options.filter { $0.hasPrefix(current) }.sorted()
    }

    /// What may fill an argument of `kind`, the `position`-th after the (sub)command.
    private func values(_ kind: CommandSpec.ArgumentKind, current: String, position: Int, command: String) -> [String] {
        let firstOnly: Bool
        var result: [String] = []
        switch kind {
        case .none: return []
        case .path:
            firstOnly = false
            result = Self.paths(current)
            if command == "load" { result += BuiltinAssets.modelNames.map { "builtin:\($0)" } }
            if command == "data" { result += BuiltinAssets.datasetNames.map { "builtin:\($0)" } }
        case .module:
            firstOnly = false
            let names = controller.workspace?.model.namedModules().map(\.name).filter { !$0.isEmpty } ?? []
            result = Array(Set(names + names.compactMap { $0.split(separator: ".").last.map(String.init) }))
        case .configKey:
            firstOnly = true
            result = controller.draft.method.fields.map(\.key)
        case .recipeKey:
            firstOnly = false
            result = TrainingSettings.keys.map { $0 + "=" }
        case .recipeKeyName:
            firstOnly = true
            result = TrainingSettings.keys
        case .adapter:
            firstOnly = true
            result = controller.workspace?.peft?.adapterNames ?? []
        case .theme:
            firstOnly = true
            result = Theme.available(in: controller.environment.themeDirectories)
        case .command:
            firstOnly = true
            result = controller.commands.names
        case .method:
            firstOnly = true
            result = ConfigDraft.methodNames
        case .run:
            firstOnly = false
            result = RunCommands.list(controller).map(\.name)
        }
        return firstOnly && position > 0 ? [] : result
    }

    /// Files and folders (with a trailing `/`) that complete `prefix`: the folder is what comes up
    /// to its last `/` (the current folder when there is none), `~` stands for the home folder.
    /// Plain string operations only: NSString's path methods crash on a one-character path.
    static func paths(_ prefix: String, home: String = FileManager.default.homeDirectoryForCurrentUser.path) -> [String] {
        if prefix == "~" { return ["~/"] }
        let shownFolder = prefix.lastIndex(of: "/").map { String(prefix[...$0]) } ?? ""
        let name = String(prefix.dropFirst(shownFolder.count))
        var folder = shownFolder.isEmpty ? "./" : shownFolder
        if folder.hasPrefix("~/") { folder = home + "/" + folder.dropFirst(2) }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return entries.filter { !$0.hasPrefix(".") && $0.hasPrefix(name) }.map { entry in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder + entry, isDirectory: &isDirectory)
            return shownFolder + entry + (isDirectory.boolValue ? "/" : "")
        }
    }
}
