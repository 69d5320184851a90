import Foundation
import Models

/// What a cell of the screen is, which the theme turns into colours.
public enum ThemeRole: String, CaseIterable, Sendable {
    case text, dim, title, border, accent, selection, target, error, train, eval, status, command, heatLow, heatHigh, budget
}

/// The colours of one role.
public struct RoleStyle: Equatable, Sendable {
    public var foreground: ThemeColor
    public var background: ThemeColor
    public var bold: Bool
    public var reverse: Bool
}

/// A colour theme: a style per role, read from a `themes/NAME.theme` file of `role = colour [on
/// colour] [bold] [reverse]` lines (`#` starts a comment line, ` # ` a trailing comment). Roles a file leaves out keep the built-in default's style.
public struct Theme: Equatable, Sendable {
    public let name: String
    public private(set) var styles: [ThemeRole: RoleStyle]

    /// The style of `role`.
    public func style(_ role: ThemeRole) -> RoleStyle { styles[role]! }

    /// A theme file that cannot be used, with the line at fault.
    public struct LoadError: Error, CustomStringConvertible {
        public let path: String
        public let line: Int
        public let message: String
        public var description: String { line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)" }
    }

    /// The default theme's text, which `themes/default.theme` also holds.
    public static let defaultText = """
    # lorakit default theme: light text on the terminal's background
    text = default
    dim = bright-black
    title = bright-white bold
    border = bright-black
    accent = cyan bold
    selection = black on cyan
    target = green bold
    error = bright-red bold
    train = #5fafff
    eval = #ffaf00 bold
    status = black on white
    command = bright-yellow
    heatLow = #005f87
    heatHigh = #ffd75f bold
    budget = magenta bold
    """

    /// The built-in default theme, used when no theme file is found or a file is bad.
    public static let builtinDefault: Theme = {
        var styles: [ThemeRole: RoleStyle] = [:]
        for role in ThemeRole.allCases { styles[role] = RoleStyle(foreground: .terminalDefault, background: .terminalDefault, bold: false, reverse: false) }
        return try! Theme(name: "default", text: defaultText, path: "default", base: styles)
    }()

    /// Parses theme text over `base` (missing roles keep their base style).
    init(name: String, text: String, path: String, base: [ThemeRole: RoleStyle]? = nil) throws {
        self.name = name
        var styles = base ?? Theme.builtinDefault.styles
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            // `#` starts a comment at the start of a line or after a space, unless it begins a colour.
            let uncommented = raw.range(of: " # ").map { String(raw[..<$0.lowerBound]) } ?? String(raw)
            let line = uncommented.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            func fail(_ message: String) -> LoadError { LoadError(path: path, line: index + 1, message: message) }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw fail("expected `role = colour [on colour] [bold] [reverse]`, got \"\(line)\"") }
            guard let role = ThemeRole(rawValue: parts[0]) else {
                throw fail("unknown role \"\(parts[0])\"" + (EditDistance.suggestion(for: parts[0], among: ThemeRole.allCases.map(\.rawValue)).map { "; did you mean \($0)?" } ?? ""))
            }
            var words = parts[1].split(separator: " ").map(String.init)
            var bold = false, reverse = false
            while let last = words.last, last == "bold" || last == "reverse" {
                if last == "bold" { bold = true } else { reverse = true }
                words.removeLast()
            }
            guard let first = words.first, let foreground = ThemeColor(first) else {
                throw fail("\"\(parts[1])\" is not a colour: use a name (red, bright-blue, default) or #rrggbb")
            }
            var background = ThemeColor.terminalDefault
            if words.count == 3, words[1] == "on", let color = ThemeColor(words[2]) {
                background = color
            } else if words.count != 1 {
                throw fail("\"\(parts[1])\" should be `colour` or `colour on colour`, optionally followed by bold and reverse")
            }
            styles[role] = RoleStyle(foreground: foreground, background: background, bold: bold, reverse: reverse)
        }
        self.styles = styles
    }

    /// Names of the themes found in `directories`.
    public static func available(in directories: [URL]) -> [String] {
        let names = directories.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".theme") }.map { String($0.dropLast(6)) }
        }
        return Array(Set(names + ["default"])).sorted()
    }

    /// Loads `themes/NAME.theme` from the first folder that has it (`default` falls back to the
    /// built-in theme).
    public static func load(_ name: String, from directories: [URL]) throws -> Theme {
        for folder in directories {
            let url = folder.appendingPathComponent("\(name).theme")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            return try Theme(name: name, text: text, path: url.path)
        }
        if name == "default" { return builtinDefault }
        throw LoadError(path: "\(name).theme", line: 0, message: "no such theme; themes: \(available(in: directories).joined(separator: ", "))")
    }
}
