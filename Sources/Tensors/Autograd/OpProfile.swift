import Dispatch

/// Wall time spent per operation, forward and backward, while a piece of code runs on the current
/// task: `lorakit bench train --profile` uses it to show where a training step's time goes.
///
/// Backward times are exact: each node's pullback is timed, and summing gradients that meet at a
/// tensor is its own row. Forward times are the time between one recorded operation and the next,
/// charged to the later one: an operation computes its result just before it records itself, so
/// this is its cost plus any glue before it. An operation on frozen inputs only, which puts nothing
/// on the tape, still charges its own row (its calls count too). `mark(_:)` charges other work,
/// such as an optimizer step, to a row of its own.
public final class OpProfile: @unchecked Sendable {
    /// The profile times are added to on this task, if any.
    @TaskLocal public static var current: OpProfile?

    /// One row: an operation or a marked piece of work.
    public struct Row: Sendable {
        public var name: String
        public var calls = 0
        public var forwardSeconds = 0.0
        public var backwardSeconds = 0.0
        public var totalSeconds: Double { forwardSeconds + backwardSeconds }
    }

    /// Whether time is being added; a benchmark turns it on after its warm-up steps.
    public var isRecording = true
    private var rowsByName: [String: Row] = [:]
    private var last = DispatchTime.now().uptimeNanoseconds

    public init() {}

    /// Every row, the most expensive first.
    public var rows: [Row] { rowsByName.values.sorted { $0.totalSeconds > $1.totalSeconds } }

    /// Charges the time since the last charge to `name`'s forward column.
    public func mark(_ name: String) {
        let elapsed = lap()
        guard isRecording else { return }
        rowsByName[name, default: Row(name: name)].calls += 1
        rowsByName[name, default: Row(name: name)].forwardSeconds += elapsed
    }

    /// Runs `body`, charging its time to `name`'s backward column of `profile` when there is one.
    static func backward<R>(_ profile: OpProfile?, _ name: String, _ body: () throws -> R) rethrows -> R {
        guard let profile else { return try body() }
        return try profile.measureBackward(name, body)
    }

    private func measureBackward<R>(_ name: String, _ body: () throws -> R) rethrows -> R {
        _ = lap()
        let result = try body()
        let elapsed = lap()
        if isRecording { rowsByName[name, default: Row(name: name)].backwardSeconds += elapsed }
        return result
    }

    private func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }
}
