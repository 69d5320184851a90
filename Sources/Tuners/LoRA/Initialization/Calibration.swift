import Models

/// One batch of calibration data for the data-driven inits (EVA, CorDA, LoRA-GA): the model input
/// and, when the data has them, its per-token labels (`[batch, length]`, -100 where no loss is taken).
public struct CalibrationBatch {
    public let input: ModelInput
    /// nil when the data has no labels (PEFT's batch then has no `labels` key).
    public let labels: [Int]?

    public init(input: ModelInput, labels: [Int]?) {
        self.input = input
        self.labels = labels
    }
}

/// What a calibration pass runs on: the batches in order (as PEFT's unshuffled dataloader gives
/// them), where it reports its progress, and a stop flag it polls between forwards.
public struct Calibration {
    public let batches: [CalibrationBatch]
    /// Called after each step of the pass with a line for the user.
    public var report: (CalibrationProgress) -> Void
    /// Polled between forwards; when it returns true the pass stops with `CalibrationStopped`.
    public var shouldStop: () -> Bool

    public init(batches: [CalibrationBatch], report: @escaping (CalibrationProgress) -> Void = { _ in },
                shouldStop: @escaping () -> Bool = { false }) {
        self.batches = batches
        self.report = report
        self.shouldStop = shouldStop
    }

    /// Throws `CalibrationStopped` when a stop was asked for.
    func checkStop(_ method: String) throws {
        if shouldStop() { throw CalibrationStopped(method: method) }
    }
}

/// One progress line of a calibration pass: `done` of `total` steps (`total` nil when the pass
/// runs until convergence, as EVA's does) and what the step was.
public struct CalibrationProgress {
    public let method: String
    public let done: Int
    public let total: Int?
    public let detail: String
}

/// A calibration pass stopped on request (Ctrl-C) before it finished; nothing was changed or written.
public struct CalibrationStopped: Error, CustomStringConvertible {
    public let method: String

    public var description: String { "\(method) initialisation stopped before it finished; nothing was written" }
}
