import Foundation

/// The command history kept between sessions, one line per command, shared by the REPL and the
/// TUI's command line.
public struct HistoryFile {
    public let url: URL
    /// How many lines are kept.
    public static let limit = 1000

    public init(url: URL) {
        self.url = url
    }

    /// The stored lines, oldest first (none if the file does not exist yet).
    public func load() -> [String] {
        ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Writes `lines` (the newest `limit`), creating the folder; a failure only loses the history.
    public func save(_ lines: [String]) {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? (lines.suffix(Self.limit).joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }
}
