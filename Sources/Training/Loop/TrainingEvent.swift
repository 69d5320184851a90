import Foundation
import Tuners

/// What a training run reports, as values: the trainer emits them and never calls up into whoever
/// listens (the terminal progress line, the metrics file, the workbench).
public enum TrainingEvent: Sendable, Equatable {
    /// An optimizer step finished.
    case step(StepMetrics)
    /// An evaluation finished.
    case evaluation(EvaluationMetrics)
    /// AdaLoRA's rank allocator masked to a budget: the ranks each module kept and its triplet scores.
    case ranks(RankAllocation)
    /// Weights were written to a folder.
    case saved(step: Int, path: String)
    /// The run ended: all steps done, or stopped early (by request, or for a non-finite loss).
    case finished(step: Int, reason: FinishReason)

    /// Why a run ended.
    public enum FinishReason: String, Sendable, Equatable {
        case completed, stopped, nonFiniteLoss = "non_finite_loss"
    }
}

/// The numbers of one optimizer step.
public struct StepMetrics: Sendable, Equatable, Codable {
    public var step: Int
    public var totalSteps: Int
    public var epoch: Double
    /// The training objective: the cross-entropy plus any regulariser (AdaLoRA's orthogonal one).
    public var loss: Double
    /// The cross-entropy alone, when a regulariser is part of `loss` (so it compares with eval loss).
    public var lossCE: Double? = nil
    public var learningRate: Double
    /// The total gradient norm before clipping.
    public var gradNorm: Double
    public var tokensPerSecond: Double
    public var elapsedSeconds: Double
    public var remainingSeconds: Double
}

/// The numbers of one evaluation.
public struct EvaluationMetrics: Sendable, Equatable, Codable {
    public var step: Int
    public var loss: Double
    /// For a causal LM: `exp(loss)`.
    public var perplexity: Double?
    /// For classification: the share of examples whose top class is the label.
    public var accuracy: Double?
}
