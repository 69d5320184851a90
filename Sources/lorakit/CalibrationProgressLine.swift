import Foundation
import Tuners

/// Shows a calibration pass's progress on stderr as one line rewritten in place, when stderr is a
/// terminal; elsewhere (logs, tests) it stays quiet.
final class CalibrationProgressLine {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var shown = false

    func show(_ progress: CalibrationProgress) {
        guard isTerminal else { return }
        let count = progress.total.map { "\(progress.done)/\($0)" } ?? "\(progress.done)"
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(progress.method): \(count) \(progress.detail)".utf8))
        shown = true
    }

    /// Runs `body`, then ends the line if one was shown (also when `body` throws).
    func around<T>(_ body: () throws -> T) rethrows -> T {
        defer {
            if shown { FileHandle.standardError.write(Data("\n".utf8)) }
            shown = false
        }
        return try body()
    }
}
