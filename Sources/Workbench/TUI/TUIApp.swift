import Foundation

/// The full-screen front end (`lorakit`): draws the screen from the controller and the view state
/// every frame, turns keys into view changes and commands, and plays session scripts (`--replay`,
/// `source`) a line at a time so the user watches them happen.
public final class TUIApp {
    let controller: Controller
    let state = TUIState()
    /// Pause between replayed lines, so a replay can be followed.
    static let replayPause = 0.4

    public init(controller: Controller, replay: SessionScript? = nil) {
        self.controller = controller
        if let replay { state.scripts.append(SessionPlayer(script: replay)) }
    }

    /// Runs until `quit`.
    public func run() {
        let terminal = CursesTerminal()
        terminal.start()
        defer { terminal.stop() }
        let history = HistoryFile(url: controller.environment.historyFile)
        state.history = history.load()
        var handler = KeyHandler(controller: controller, state: state)
        handler.onCommandEntered = { history.append($0) }
        controller.scriptQueue = { [state] in state.scripts.append($0) }
        controller.generatesInBackground = true
        defer { controller.generatesInBackground = false }
        defer { controller.scriptQueue = nil }
        // The kept preferences; the theme only when none was chosen on the command line.
        let kept = Preferences.load(from: controller.environment.preferencesFile)
        state.apply(kept.preferences)
        if let problem = kept.problem { state.message = "✗ \(problem)" }
        if controller.theme.name == Theme.builtinDefault.name, kept.preferences.theme != controller.theme.name {
            controller.submit("theme \(kept.preferences.theme)")
        }
        var saved = state.preferences(theme: controller.theme.name)
        var mouse = state.mouse
        terminal.enableMouse(mouse)
        var theme = controller.theme
        terminal.apply(theme)
        var lastReplayed = Date.distantPast
        while !controller.quitRequested {
            if controller.theme != theme {
                theme = controller.theme
                terminal.apply(theme)
            }
            if Date().timeIntervalSince(lastReplayed) > Self.replayPause, state.playScripts(controller) { lastReplayed = Date() }
            let size = terminal.size
            terminal.draw(Screen.render(controller: controller, state: state, width: size.width, height: size.height))
            if let key = terminal.readKey() {
                if key != .resize { handler.handle(key) }
                if state.mouse != mouse {
                    mouse = state.mouse
                    terminal.enableMouse(mouse)
                }
                let now = state.preferences(theme: controller.theme.name)
                if now != saved {
                    saved = now
                    do { try now.write(to: controller.environment.preferencesFile) } catch { state.message = "✗ \(error)" }
                }
            } else if terminal.isHungUp {
                // Nobody is left to answer: stop a run at the end of its step and leave.
                controller.job?.stop()
                controller.job?.wait()
                return
            }
        }
    }
}
