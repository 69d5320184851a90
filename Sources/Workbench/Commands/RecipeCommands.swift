import FileAccess
import Foundation

/// `recipe show|set|unset|save`: the training settings `train` runs with (recipe keys, checked as a
/// run checks them), and the whole session written as a recipe that `lorakit train` runs headless.
enum RecipeCommands {
    static let all: [CommandSpec] = [recipe]

    static let recipe: CommandSpec = CommandSpec(
        "recipe", usage: "recipe show | recipe set KEY=VALUE ... | recipe unset KEY | recipe save FILE.yaml [--overwrite]",
        summary: "the training settings `train` uses (recipe keys); save writes the session as a recipe for `lorakit train`",
        subcommands: ["show", "set", "unset", "save"], arguments: ["set": .recipeKey, "unset": .recipeKeyName, "save": .path]
    ) { controller, invocation in
        var invocation = invocation
        let sub = try invocation.subcommand(["show", "set", "unset", "save"])
        switch sub {
        case "set":
            let pairs = try invocation.keyValues(try invocation.arguments(1, names: "KEY=VALUE (for example lr=1e-3)"))
            try controller.requireIdle(invocation.command)
            var settings = controller.training
            try settings.apply(pairs, command: invocation.command)
            try settings.check(command: invocation.command)
            controller.training = settings
            controller.say(pairs.map { "\($0.key) = \(settings.value(of: $0.key) ?? "the recipe's default")" }.joined(separator: "\n"))
        case "unset":
            let key = try invocation.arguments(1, 1, names: "KEY")[0]
            try controller.requireIdle(invocation.command)
            try controller.training.unset(key, command: invocation.command)
            controller.say("\(key) = \(controller.training.value(of: key) ?? "the recipe's default") (default)")
        case "save":
            let overwrite = invocation.flag("--overwrite")
            try invocation.noUnknownOptions(["--overwrite"])
            let path = try invocation.arguments(1, 1, names: "FILE (a .yaml file)")[0]
            let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            if !overwrite, FileManager.default.fileExists(atPath: url.path) {
                throw invocation.error("\(path) exists; `recipe save \(path) --overwrite` replaces it, or choose another name")
            }
            let (text, notes) = try RecipeExport.yaml(controller, command: invocation.command)
            do { try Data(text.utf8).write(to: url, options: .atomic) } catch {
                throw invocation.error("cannot write \(path): \(FileProblem.writing(url, error: error))")
            }
            controller.say((["wrote \(path): `lorakit train \(path)` runs it headless"] + notes.map { "note: \($0)" }).joined(separator: "\n"))
        default:
            _ = try invocation.arguments(0, 0, names: "")
            controller.say(show(controller))
        }
    }

    /// The settings as text: the form's keys with value and help (`*` where changed from the
    /// workbench's default), then any other key set.
    static func show(_ controller: Controller) -> String {
        let settings = controller.training
        var lines = ["training settings (* changed from the workbench's default; `recipe set KEY=VALUE` changes one):"]
        for field in TrainingSettings.formFields {
            lines.append("\(settings.isChanged(field.key) ? "*" : " ") \(field.key.rightPadded(to: 17)) \((settings.value(of: field.key) ?? "-").rightPadded(to: 8)) \(field.help)")
        }
        let others = settings.partial.values.keys.filter { key in !TrainingSettings.formFields.contains { $0.key == key } }.sorted()
        if !others.isEmpty { lines.append("  also: " + others.map { "\($0)=\(settings.value(of: $0) ?? "")" }.joined(separator: " ")) }
        lines.append("  on \(controller.dataSource ?? DataCommands.defaultSource); `recipe save FILE.yaml` writes the session as a recipe")
        return lines.joined(separator: "\n")
    }
}
