import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The first signal `WriteInterruption`'s handler caught (0 for none), written by the handler as C
/// writes a `volatile sig_atomic_t`.
private let caughtSignal: UnsafeMutablePointer<Int32> = {
    let pointer = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return pointer
}()

/// Ctrl-C (SIGINT) and SIGTERM while a command writes files. For the length of `catching(_:)` the
/// two signals do not end the process mid-file: they stop the write at its next tensor (the next
/// `AtomicFileWriter` append or commit throws `WriteInterrupted`), so its temporary file is removed
/// and the destination keeps what it held. A signal the process ignores stays ignored (a command
/// started in the background; the REPL's Ctrl-C, which never ends it); outside `catching` nothing
/// changes (training stops between steps through its own handler).
public enum WriteInterruption {
    static let signals = [SIGINT, SIGTERM]
    private static let lock = NSLock()
    private static var depth = 0
    private static var previous: [Int32: sigaction] = [:]

    /// Runs `body` with SIGINT and SIGTERM caught as above, then gives the signals back the handling
    /// they had. A Ctrl-C that stopped the write is thrown (`WriteInterrupted`) for the command to
    /// report; one that came after the last tensor lets `body` finish, its files whole. A SIGTERM
    /// that would have ended the process ends it once `body` is over, by that signal.
    public static func catching<T>(_ body: () throws -> T) throws -> T {
        begin()
        let result = Result { try body() }
        if end() == SIGTERM {
            fflush(stdout)
            raise(SIGTERM)
        }
        return try result.get()
    }

    /// Throws `WriteInterrupted` when a signal came since `catching` began.
    static func check() throws {
        let signal = caughtSignal.pointee
        if signal != 0 { throw WriteInterrupted(signal: signal) }
    }

    /// Puts the handler in place of each signal's own (the outermost `catching` only), keeping those.
    private static func begin() {
        lock.withLock {
            depth += 1
            guard depth == 1 else { return }
            caughtSignal.pointee = 0
            previous = [:]
            for number in signals {
                var old = sigaction()
                sigaction(number, nil, &old)
                guard !isIgnored(old) else { continue }
                var action = sigaction()
                #if canImport(Glibc)
                action.__sigaction_handler.sa_handler = { number in if caughtSignal.pointee == 0 { caughtSignal.pointee = number } }
                #else
                action.__sigaction_u.__sa_handler = { number in if caughtSignal.pointee == 0 { caughtSignal.pointee = number } }
                #endif
                sigemptyset(&action.sa_mask)
                action.sa_flags = SA_RESTART
                sigaction(number, &action, nil)
                previous[number] = old
            }
        }
    }

    /// Gives the signals their handling back (when the outermost `catching` ends); returns the
    /// signal caught when, without the catching, it would have ended the process.
    private static func end() -> Int32? {
        lock.withLock {
            depth -= 1
            guard depth == 0 else { return nil }
            for (number, var old) in previous { sigaction(number, &old, nil) }
            let caught = caughtSignal.pointee
            caughtSignal.pointee = 0  // a signal caught here must not stop a later write outside `catching`
            guard caught != 0, let old = previous[caught], isDefault(old) else { return nil }
            return caught
        }
    }

    private static func handler(_ action: sigaction) -> Int {
        #if canImport(Glibc)
        unsafeBitCast(action.__sigaction_handler, to: Int.self)
        #else
        unsafeBitCast(action.__sigaction_u, to: Int.self)
        #endif
    }

    /// SIG_DFL is 0 and SIG_IGN 1 on Linux and the BSDs.
    private static func isDefault(_ action: sigaction) -> Bool { handler(action) == 0 }
    private static func isIgnored(_ action: sigaction) -> Bool { handler(action) == 1 }
}

/// A write stopped by Ctrl-C (SIGINT) or SIGTERM inside `WriteInterruption.catching`.
public struct WriteInterrupted: Error, CustomStringConvertible {
    /// The signal's number.
    public let signal: Int32

    public var description: String {
        "stopped by \(signal == SIGINT ? "Ctrl-C (SIGINT)" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)") before the file was complete: "
            + "the unfinished file was removed and what the destination held is untouched"
    }
}
