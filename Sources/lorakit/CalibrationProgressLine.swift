import Foundation
import Tuners

/// Shows a calibration pass's progress on stderr: on a terminal as one line rewritten in place;
/// elsewhere (logs, tests) only its last state, once the pass ends.
final class CalibrationProgressLine {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var shown = false
    private var last: String?

    func show(_ progress: CalibrationProgress) {
        let count = progress.total.map { "\(progress.done)/\($0)" } ?? "\(progress.done)"
        last = "\(progress.method): \(count) \(progress.detail)"
        guard isTerminal, let last else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(last)".utf8))
        shown = true
    }

    /// Runs `body`, then ends the line if one was shown, or writes the last state if none was
    /// (also when `body` throws).
    func around<T>(_ body: () throws -> T) rethrows -> T {
        defer {
            if shown {
                FileHandle.standardError.write(Data("\n".utf8))
            } else if let last {
                FileHandle.standardError.write(Data("\(last)\n".utf8))
            }
            shown = false
            last = nil
        }
        return try body()
    }
}
