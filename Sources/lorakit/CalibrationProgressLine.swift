import Foundation
import Tuners

/// Shows a calibration pass's progress on stderr: on a terminal as one line rewritten in place;
/// elsewhere (a log, a pipe) as a line of its own every ten seconds, so a long EVA run's log shows
/// where it is, and its last state once the pass ends.
final class CalibrationProgressLine {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    /// Off a terminal, the nanoseconds between written lines.
    private static let interval: UInt64 = 10_000_000_000
    private var shown = false
    private var last: String?
    /// Off a terminal: what was last written, and when (the first report starts the clock).
    private var written: String?
    private var writtenAt: UInt64?

    func show(_ progress: CalibrationProgress) {
        let count = progress.total.map { "\(progress.done)/\($0)" } ?? "\(progress.done)"
        let line = "\(progress.method): \(count) \(progress.detail)"
        last = line
        if isTerminal {
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
            shown = true
            return
        }
        let now = DispatchTime.now().uptimeNanoseconds
        guard let since = writtenAt else { return writtenAt = now }
        if now - since >= Self.interval {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
            (written, writtenAt) = (line, now)
        }
    }

    /// Runs `body`, then ends the line if one was shown, or writes the last state if it was not
    /// written yet (also when `body` throws).
    func around<T>(_ body: () throws -> T) rethrows -> T {
        defer {
            if shown {
                FileHandle.standardError.write(Data("\n".utf8))
            } else if let last, last != written {
                FileHandle.standardError.write(Data("\(last)\n".utf8))
            }
            (shown, last, written, writtenAt) = (false, nil, nil, nil)
        }
        return try body()
    }
}
