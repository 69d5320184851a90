import Foundation

/// The command history kept between sessions, one line per command, shared by the REPL and the
/// TUI's command line. Each line is appended as it is entered, so a crash loses nothing and two
/// sessions open at once (a TUI and a REPL) keep each other's lines instead of overwriting them.
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

    /// Appends one line (in one write, so lines of two sessions never interleave), creating the
    /// folder; once the file holds twice `limit` lines it is cut to the newest `limit`. A failure
    /// only loses the history.
    public func append(_ line: String) {
        let text = line.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return }
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        guard descriptor >= 0 else { return }
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        let lines = load()
        if lines.count >= 2 * Self.limit {
            try? (lines.suffix(Self.limit).joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        }
    }
}
