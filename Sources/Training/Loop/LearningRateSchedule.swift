import Foundation

/// The learning-rate schedules of transformers' `get_scheduler`: a multiplier of the base learning
/// rate for each optimizer step, with a linear warmup from 0 over the first `warmupSteps`.
public struct LearningRateSchedule: Sendable, Equatable {
    /// The shape of the schedule after warmup.
    public enum Kind: String, Sendable, CaseIterable {
        /// Constant after warmup (`constant_with_warmup`).
        case constant
        /// Linear decay to 0 at `totalSteps` (`linear`).
        case linear
        /// Half a cosine down to 0 at `totalSteps` (`cosine`).
        case cosine
    }

    public var kind: Kind
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(kind: Kind, warmupSteps: Int = 0, totalSteps: Int) {
        self.kind = kind
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The factor for the step about to be taken, counting from 0, as transformers' `LambdaLR`
    /// lambdas compute it.
    public func multiplier(atStep step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        switch kind {
        case .constant: return 1
        case .linear: return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
        case .cosine: return max(0, 0.5 * (1 + cos(Double.pi * 0.5 * 2 * progress)))
        }
    }
}
