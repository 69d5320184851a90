import Foundation

/// `undo`, `theme`, `record`, `source`, `help`, `quit`: the session itself.
enum SessionCommands {
    static let all: [CommandSpec] = [undo, theme, record, source, help, quit]

    static let undo: CommandSpec = CommandSpec(
        "undo", usage: "undo", summary: "take back the last change of the targets or the config (space in the tree, target, config)"
    ) { controller, invocation in
        _ = try invocation.arguments(0, 0, names: "")
        try controller.requireIdle("undo")
        guard let edit = controller.undoStack.popLast() else { throw invocation.error("nothing to undo") }
        controller.rules = edit.rules
        controller.draft = edit.draft
        controller.say("undid `\(edit.line)`; " + ModelCommands.describeSelection(controller))
    }

    static let theme: CommandSpec = CommandSpec(
        "theme", usage: "theme [NAME]", summary: "switch colour theme (themes/NAME.theme); no name lists them", arguments: ["": .theme]
    ) { controller, invocation in
        let name = try invocation.arguments(0, 1, names: "NAME").first
        let available = Theme.available(in: controller.environment.themeDirectories)
        guard let name else {
            controller.say("theme \(controller.theme.name); available: \(available.joined(separator: ", "))")
            return
        }
        do {
            controller.theme = try Theme.load(name, from: controller.environment.themeDirectories)
        } catch {
            throw CommandError("theme", "\(error); keeping the theme \(controller.theme.name)")
        }
        controller.say("theme \(name)")
    }

    static let record: CommandSpec = CommandSpec(
        "record", usage: "record start FILE [--overwrite] | record stop", summary: "write the commands you type into a replayable script (it starts with the current state)",
        subcommands: ["start", "stop"], arguments: ["start": .path]
    ) { controller, invocation in
        var invocation = invocation
        if try invocation.subcommand(["start", "stop"]) == "start" {
            let overwrite = invocation.flag("--overwrite")
            try invocation.noUnknownOptions(["--overwrite"])
            let path = try invocation.arguments(1, 1, names: "FILE")[0]
            if let recorder = controller.recorder {
                throw invocation.error("already recording to \(recorder.url.path); `record stop` ends that recording first")
            }
            let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            if !overwrite, FileManager.default.fileExists(atPath: url.path) {
                throw invocation.error("\(path) exists; `record start \(path) --overwrite` replaces it, or choose another name")
            }
            controller.recorder = try SessionRecorder(url: url, preamble: RecordingPreamble.lines(for: controller))
            controller.say("recording commands to \(path) (after the lines that recreate the current model, data, config and targets); `record stop` ends it")
        } else {
            _ = try invocation.arguments(0, 0, names: "")
            guard let recorder = controller.recorder else { throw invocation.error("not recording") }
            recorder.close()
            controller.recorder = nil
            controller.say("recorded \(recorder.url.path); replay it with `source \(recorder.url.path)` or `lorakit run \(recorder.url.path)`")
        }
    }

    static let source: CommandSpec = CommandSpec(
        "source", usage: "source FILE", summary: "run a session script, stopping at the first failing line", arguments: ["": .path]
    ) { controller, invocation in
        let path = try invocation.arguments(1, 1, names: "FILE")[0]
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        guard !controller.sourcing.contains(url.standardized.path) else { throw invocation.error("\(path) is already running (a script may not source itself)") }
        let player = SessionPlayer(script: try SessionScript(contentsOf: url))
        if let queue = controller.scriptQueue {
            queue(player)
            controller.say("replaying \(path)")
            return
        }
        controller.sourcing.append(url.standardized.path)
        defer { controller.sourcing.removeLast() }
        try player.runToEnd(controller)
    }

    static let help: CommandSpec = CommandSpec(
        "help", usage: "help [COMMAND [SUBCOMMAND] | KEY]", summary: "list the commands, or explain one, or a config or recipe key", arguments: ["": .command]
    ) { controller, invocation in
        let words = try invocation.arguments(0, 2, names: "COMMAND [SUBCOMMAND], or a config or recipe key")
        if let name = words.first {
            if let field = controller.draft.method.fields.first(where: { $0.key == name }), (try? controller.commands.lookup(name)) == nil {
                controller.say("\(field.key) (\(controller.draft.method.name) config): \(field.help)\n  default \(field.defaultValue); set with `config set \(field.key) VALUE`")
                return
            }
            if TrainingSettings.keys.contains(name), (try? controller.commands.lookup(name)) == nil {
                let help = TrainingSettings.formFields.first { $0.key == name }.map { "\($0.help); " } ?? ""
                controller.say("\(name) (recipe key): \(help)set with `recipe set \(name)=VALUE` or `train \(name)=VALUE`; now \(controller.training.values[name] ?? "the recipe's default")")
                return
            }
            let spec = try controller.commands.lookup(name)
            if words.count > 1, !spec.subcommands.contains(words[1]) {
                throw CommandError.unknown("help", what: "subcommand of \(name)", word: words[1], valid: spec.subcommands.isEmpty ? ["(none)"] : spec.subcommands)
            }
            var text = "\(spec.usage)\n  \(spec.summary)"
            if spec.name == "train" || spec.name == "resume" {
                text += "\n  recipe keys: " + TrainingSettings.keys.joined(separator: ", ")
                text += "\n  now: " + controller.training.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            }
            if spec.name == "config" { text += "\n  keys (\(controller.draft.method.name)): " + controller.draft.method.fields.map(\.key).joined(separator: ", ") + "; `help KEY` explains one" }
            controller.say(text)
        } else {
            let width = controller.commands.commands.map(\.name.count).max() ?? 8
            controller.say(controller.commands.commands.map { "\($0.name.rightPadded(to: width))  \($0.summary)" }.joined(separator: "\n")
                + "\n`help COMMAND` shows how to write one; in the TUI, `?` lists the keys")
        }
    }

    static let quit: CommandSpec = CommandSpec("quit", usage: "quit", summary: "leave lorakit (a running training run is stopped first)") { controller, invocation in
        _ = try invocation.arguments(0, 0, names: "")
        if let job = controller.job, job.progress.phase.isActive {
            job.stop()
            controller.say("stopping the run at the end of this step")
            job.wait()
        }
        controller.recorder?.close()
        controller.recorder = nil
        controller.quitRequested = true
    }
}
