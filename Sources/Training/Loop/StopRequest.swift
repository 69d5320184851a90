import Dispatch
import Foundation

/// A flag another thread (a signal handler, the UI) raises to stop a run at the end of its current
/// step; the trainer polls it between steps.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var sources: [DispatchSourceSignal] = []

    public init() {}

    /// Whether a stop was asked for.
    public var isRaised: Bool { lock.withLock { raised } }

    /// Asks for a stop.
    public func raise() { lock.withLock { raised = true } }

    /// Raises the flag on SIGINT (Ctrl-C), or each of `signals`, instead of letting the signal end
    /// the process; a second one ends it at once, unless `quitsOnRepeat` is false (a launcher that
    /// sends several signals for one stop, then kills by itself).
    public func raiseOnInterrupt(signals: [Int32] = [SIGINT], quitsOnRepeat: Bool = true, _ notice: @escaping @Sendable () -> Void = {}) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if self.isRaised {
                    if quitsOnRepeat { exit(130) }
                    return
                }
                self.raise()
                notice()
            }
            source.resume()
            return source
        }
    }
}
