import Dispatch
import Foundation

/// Counts Ctrl-C presses (SIGINT) instead of letting them end the process, so the REPL can cancel
/// the line being typed or stop a training run at the end of its step.
final class InterruptCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var seen = 0
    private var source: DispatchSourceSignal?

    /// Starts catching SIGINT.
    func install() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in self?.lock.withLock { self?.count += 1 } }
        source.resume()
        self.source = source
    }

    /// Whether Ctrl-C was pressed since the last call.
    func takePending() -> Bool {
        lock.withLock {
            defer { seen = count }
            return count > seen
        }
    }
}
