import Foundation

/// Everything a session printed, in order: the commands, their output, errors and training reports.
/// The REPL prints entries as they arrive, the TUI shows the tail in its log pane. Safe to append to
/// from the training thread.
public final class SessionLog: @unchecked Sendable {
    /// What an entry is, which decides how front ends show it.
    public enum Kind: Sendable, Equatable {
        /// A command line as the user (or a script) gave it.
        case command
        /// What a command printed.
        case output
        /// A command that failed, with the reason.
        case error
        /// A report from a training run (evaluation, saves, the end of the run).
        case training
        /// Text `generate` produced (the REPL streamed it already as it came).
        case generated
    }

    /// One line of the log.
    public struct Entry: Sendable, Equatable {
        public var kind: Kind
        public var text: String
    }

    private let lock = NSLock()
    private var stored: [Entry] = []
    private var observer: (@Sendable (Entry) -> Void)?

    public init() {}

    /// Called with every new entry, on the thread that appended it (the REPL prints through this).
    public func observe(_ observer: (@Sendable (Entry) -> Void)?) { lock.withLock { self.observer = observer } }

    /// Appends `text`, one entry per line.
    public func append(_ kind: Kind, _ text: String) {
        let entries = text.split(separator: "\n", omittingEmptySubsequences: false).map { Entry(kind: kind, text: String($0)) }
        let observer = lock.withLock { () -> (@Sendable (Entry) -> Void)? in
            stored += entries
            return self.observer
        }
        for entry in entries { observer?(entry) }
    }

    /// Every entry so far.
    public var entries: [Entry] { lock.withLock { stored } }

    /// The last `count` entries.
    public func tail(_ count: Int) -> [Entry] { lock.withLock { Array(stored.suffix(count)) } }
}
