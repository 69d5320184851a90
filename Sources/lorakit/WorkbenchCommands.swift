import ArgumentParser
import Foundation
import Workbench

/// What every workbench front end takes: the model to open and the colour theme.
struct WorkbenchOptions: ParsableArguments {
    @Option(help: "The model to open: a folder with config.json, or builtin:NAME.")
    var model = "builtin:tiny-llama"

    @Option(help: "Colour theme: default, light, solarized-dark, mono, or another themes/NAME.theme.")
    var theme: String?

    /// A controller with the theme chosen and, unless a script will load one, the model loaded (a
    /// failure is shown in its log).
    func makeController(loadingModel: Bool = true) -> Controller {
        let controller = Controller()
        if let theme { controller.submit("theme \(theme)") }
        if loadingModel { controller.submit("load \(model)") }
        return controller
    }
}

/// `lorakit repl`: the command language at a readline prompt.
struct Repl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl", abstract: "The workbench at a prompt: readline, history, Tab completion; `help` lists the commands.")

    @OptionGroup var options: WorkbenchOptions

    func run() throws {
        REPL(controller: options.makeController()).run()
    }
}

/// `lorakit run FILE`: replays a session script headless.
struct RunScript: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Replay a session script (.lks) headless, printing what the REPL would; stops at the first failing line.")

    @Argument(help: "The session script.")
    var script: String

    @Option(help: "Colour theme (for scripts that switch themes).")
    var theme: String?

    func run() throws {
        let controller = Controller()
        if let theme { controller.submit("theme \(theme)") }
        let status = HeadlessRunner.run(script: script, controller: controller)
        if status != 0 { throw ExitCode(status) }
    }
}

/// `lorakit` (or `lorakit open`): the full-screen workbench, optionally replaying a session script.
struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open", abstract: "The full-screen workbench (what `lorakit` with no arguments opens); `?` lists the keys.")

    @OptionGroup var options: WorkbenchOptions

    @Option(help: "Replay a session script (.lks) in the workbench, a line at a time.")
    var replay: String?

    func run() throws {
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            throw ValidationError("the workbench needs a terminal; use `lorakit repl` or `lorakit run FILE` without one")
        }
        let script = try replay.map { try SessionScript(contentsOf: URL(fileURLWithPath: $0)) }
        TUIApp(controller: options.makeController(loadingModel: script == nil), replay: script).run()
    }
}
