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
            controller.theme = .builtinDefault
            throw CommandError("theme", "\(error); using the default theme")
        }
        controller.say("theme \(name)")
    }

    static let record: CommandSpec = CommandSpec(
        "record", usage: "record start FILE | record stop", summary: "write the commands you type into a replayable script",
        subcommands: ["start", "stop"], arguments: ["start": .path]
    ) { controller, invocation in
        var invocation = invocation
        if try invocation.subcommand(["start", "stop"]) == "start" {
            let path = try invocation.arguments(1, 1, names: "FILE")[0]
            controller.recorder?.close()
            controller.recorder = try SessionRecorder(url: URL(fileURLWithPath: (path as NSString).expandingTildeInPath))
            controller.say("recording commands to \(path); `record stop` ends it")
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
        "help", usage: "help [COMMAND]", summary: "list the commands, or explain one", arguments: ["": .command]
    ) { controller, invocation in
        if let name = try invocation.arguments(0, 1, names: "COMMAND").first {
            let spec = try controller.commands.lookup(name)
            controller.say("\(spec.usage)\n  \(spec.summary)")
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
