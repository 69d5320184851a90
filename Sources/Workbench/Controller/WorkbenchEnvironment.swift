import Foundation

/// Where the workbench finds and keeps its files: theme folders, the command history (under the
/// XDG state directory), the TUI's preferences (under the XDG config directory) and the folder new
/// training runs go to.
public struct WorkbenchEnvironment: Sendable {
    /// Folders searched for `NAME.theme`, first match wins.
    public var themeDirectories: [URL]
    /// The history file shared by the REPL and the TUI's command line.
    public var historyFile: URL
    /// Where `train` puts a run when no `output_dir` is given.
    public var runsDirectory: URL
    /// The TUI's kept preferences (theme, plot options, tree width, mouse).
    public var preferencesFile: URL
    /// The `lorakit` binary `train ranks=N` starts under mpirun (this one).
    public var lorakitExecutable: URL

    /// An environment; the preferences default to a `preferences` file beside the history.
    public init(themeDirectories: [URL], historyFile: URL, runsDirectory: URL, preferencesFile: URL? = nil,
                lorakitExecutable: URL = URL(fileURLWithPath: CommandLine.arguments.first ?? "lorakit").resolvingSymlinksInPath()) {
        self.themeDirectories = themeDirectories
        self.historyFile = historyFile
        self.runsDirectory = runsDirectory
        self.preferencesFile = preferencesFile ?? historyFile.deletingLastPathComponent().appendingPathComponent("preferences")
        self.lorakitExecutable = lorakitExecutable
    }

    /// The environment of a real session: `$LORAKIT_THEMES`, `./themes` and the `themes` folder of
    /// the checkout the executable was built in; history in `$XDG_STATE_HOME/lorakit/history`
    /// (`~/.local/state/lorakit/history`); preferences in `$XDG_CONFIG_HOME/lorakit/preferences`
    /// (`~/.config/lorakit/preferences`); runs in `./runs`.
    public static func standard(executable: String = CommandLine.arguments.first ?? "lorakit") -> WorkbenchEnvironment {
        let environment = ProcessInfo.processInfo.environment
        let current = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var themes = [current.appendingPathComponent("themes")]
        if let custom = environment["LORAKIT_THEMES"] { themes.insert(URL(fileURLWithPath: custom), at: 0) }
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            themes.append(folder.appendingPathComponent("themes"))
            folder.deleteLastPathComponent()
        }
        let state = environment["XDG_STATE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        let config = environment["XDG_CONFIG_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config")
        return WorkbenchEnvironment(themeDirectories: themes, historyFile: state.appendingPathComponent("lorakit/history"),
                                    runsDirectory: current.appendingPathComponent("runs"),
                                    preferencesFile: config.appendingPathComponent("lorakit/preferences"),
                                    lorakitExecutable: URL(fileURLWithPath: executable).resolvingSymlinksInPath())
    }
}
