import FileAccess
import Models
import Foundation

/// What the TUI keeps between sessions, in `$XDG_CONFIG_HOME/lorakit/preferences`: the theme, the
/// loss plot's smoothing and log scale, the tree's share of the width (`<` `>`) and whether the
/// mouse is on (`m`). The file is `key = value` lines (`#` comments), written whole to a temporary
/// file and renamed over the old one, so a crash never leaves half a file.
public struct Preferences: Equatable, Sendable {
    public var theme = "default"
    public var smoothing = 0.6
    public var logScale = false
    /// The tree's share of the screen's width, in percent.
    public var treeWidth = 36
    public var mouse = true

    public static let treeWidths = 24 ... 60

    public init() {}

    /// A bad line of a preferences file: where, and what was wrong.
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// The preferences in `text`; keys left out keep their defaults. `source` names the file in errors.
    public init(parsing text: String, source: String) throws {
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty else { continue }
            let where_ = "\(source):\(index + 1)"
            guard let equals = line.firstIndex(of: "=") else { throw Problem(description: "\(where_): write `key = value`, not \(line)") }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces), value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            func bad(_ wanted: String) -> Problem { Problem(description: "\(where_): \(key) must be \(wanted), got \(value)") }
            switch key {
            case "theme":
                guard !value.isEmpty, !value.contains("/") else { throw bad("a theme name") }
                theme = value
            case "smoothing":
                guard let number = Double(value), (0 ..< 1).contains(number) else { throw bad("a number in [0, 1)") }
                smoothing = number
            case "log_scale": logScale = try Self.flag(value, or: bad("true or false"))
            case "mouse": mouse = try Self.flag(value, or: bad("true or false"))
            case "tree_width":
                guard let percent = Int(value), Self.treeWidths.contains(percent) else { throw bad("a whole number of percent in \(Self.treeWidths)") }
                treeWidth = percent
            default:
                let keys = ["theme", "smoothing", "log_scale", "tree_width", "mouse"]
                let hint = EditDistance.suggestion(for: key, among: keys).map { "; did you mean \($0)?" } ?? "; the keys are \(keys.joined(separator: ", "))"
                throw Problem(description: "\(where_): unknown key \(key)\(hint)")
            }
        }
    }

    private static func flag(_ value: String, or problem: Problem) throws -> Bool {
        switch value {
        case "true": return true
        case "false": return false
        default: throw problem
        }
    }

    /// The file's text.
    public var text: String {
        """
        # lorakit workbench preferences, written when they change
        theme = \(theme)
        smoothing = \(smoothing)
        log_scale = \(logScale)
        tree_width = \(treeWidth)
        mouse = \(mouse)

        """
    }

    /// The preferences in `url`: the defaults when there is no file, and the defaults with the
    /// reason when it cannot be read.
    static func load(from url: URL) -> (preferences: Preferences, problem: String?) {
        guard FileManager.default.fileExists(atPath: url.path) else { return (Preferences(), nil) }
        do {
            let text = try FileAccess.text(url, role: "the preferences", advice: "fix or delete it; the workbench writes it again")
            return (try Preferences(parsing: text, source: url.path), nil)
        } catch {
            return (Preferences(), "\(error); using the defaults")
        }
    }

    /// Writes the file: the whole text to a temporary file beside it, then renamed over it.
    func write(to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else { throw Problem(description: String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw Problem(description: "cannot write \(url.path): \(error)")
        }
    }
}
