import Foundation

/// A session script (`.lks`): a file of command lines; blank lines and `#` comments are skipped.
/// A player runs it one line at a time, waiting while a training run is going, so the same script
/// replays headless (`lorakit run`), in the REPL (`source`) and in the TUI (`--replay`).
public struct SessionScript {
    /// A command line with its 1-based line number.
    public struct Line: Equatable, Sendable {
        public var number: Int
        public var text: String
    }

    public let path: String
    public let lines: [Line]

    /// Reads a script; an unreadable file is an error naming it.
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw CommandError("source", "cannot read the script \(url.path)")
        }
        self.init(text: text, path: url.path)
    }

    /// A script from its text; `path` names it in errors.
    public init(text: String, path: String) {
        self.path = path
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed.hasPrefix("#") ? nil : Line(number: index + 1, text: String(line))
        }
    }
}

/// A script line that failed: where, and why. Replay stops there.
public struct ScriptError: Error, CustomStringConvertible {
    public let path: String
    public let line: Int
    public let underlying: Error

    public var description: String { "\(path):\(line): \(underlying)" }
}

/// Plays a script into a controller a line at a time; `advance` runs the next line unless a
/// training run is still going.
public final class SessionPlayer {
    public let script: SessionScript
    public private(set) var position = 0
    /// The error that stopped the replay, if one did.
    public private(set) var failure: ScriptError?

    public init(script: SessionScript) {
        self.script = script
    }

    /// Whether every line ran (or one failed).
    public var isDone: Bool { failure != nil || position >= script.lines.count }

    /// Runs the next line if the controller is not training; returns whether it ran one.
    @discardableResult
    public func advance(_ controller: Controller) -> Bool {
        guard !isDone, !controller.isBusy else { return false }
        let line = script.lines[position]
        position += 1
        controller.replaying += 1
        defer { controller.replaying -= 1 }
        do {
            try controller.execute(line.text)
        } catch let error as ScriptError {
            failure = error
        } catch {
            let failure = ScriptError(path: script.path, line: line.number, underlying: error)
            controller.log.append(.error, "replay stopped at \(script.path):\(line.number)")
            self.failure = failure
        }
        return true
    }

    /// Stops the replay before its next line (the user pressed `x` or Ctrl-C); a run the script
    /// started is stopped at the end of its step.
    public func abort(_ controller: Controller) {
        if controller.isTraining { controller.job?.stop() }
        if controller.isGenerating { controller.generation?.stop() }
        guard !isDone else { return }
        let number = script.lines[min(position, script.lines.count - 1)].number
        failure = ScriptError(path: script.path, line: number, underlying: CommandError("", "stopped by the user before this line"))
        controller.log.append(.error, "replay of \(script.path) stopped before line \(number)")
    }

    /// Runs the whole script, waiting for each training run; throws the failing line's error. The
    /// controller's `interruptRequested` (Ctrl-C in the REPL or `lorakit run`) aborts it.
    public func runToEnd(_ controller: Controller) throws {
        let check = { [self] in
            if controller.interruptRequested?() == true { abort(controller) }
        }
        while !isDone {
            controller.job?.wait(poll: check)
            check()
            advance(controller)
        }
        controller.job?.wait(poll: check)
        if let failure { throw failure }
    }
}

/// Writes the commands a user types into a replayable script (`record start FILE`).
public final class SessionRecorder {
    public let url: URL
    private let handle: FileHandle

    /// Starts the file with a header and `preamble` (the lines that recreate the current state).
    init(url: URL, preamble: [String]) throws {
        let header = (["# lorakit session recorded \(Date())"] + preamble).joined(separator: "\n") + "\n"
        guard FileManager.default.createFile(atPath: url.path, contents: Data(header.utf8)),
              let handle = FileHandle(forWritingAtPath: url.path) else {
            throw CommandError("record start", "cannot write \(url.path)")
        }
        handle.seekToEndOfFile()
        self.url = url
        self.handle = handle
    }

    /// Appends one command line.
    func record(_ line: String) {
        handle.write(Data((line.trimmingCharacters(in: .whitespaces) + "\n").utf8))
    }

    /// Closes the file.
    func close() { try? handle.close() }
}
