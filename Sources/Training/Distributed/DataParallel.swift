import Foundation
import Models
import Tensors

/// A trainer's part in a data-parallel job: every rank holds the whole model and walks the same
/// data order; each global micro-batch (`batch_size × ranks` examples) is cut into one slice per
/// rank, rank k taking the k-th; after the micro-batches of a step the trainable gradients are
/// averaged over the ranks, so every rank takes the same optimizer step as one process with the
/// global batch would.
///
/// Each rank's mean loss is weighted by its share of the global batch's loss targets, so the
/// average of the ranks' gradients is the gradient of the global batch's mean loss even when the
/// slices hold different numbers of targets (padding, prompt tokens); every rank sees the whole
/// global batch, so no message is needed for that.
public final class DataParallel {
    public let communicator: Communicator
    public var rank: Int { communicator.rank }
    public var ranks: Int { communicator.size }

    public init(communicator: Communicator) {
        self.communicator = communicator
    }

    /// This rank's slice of a global batch (the k-th of `ranks` near-equal ones: a short last
    /// evaluation batch leaves some ranks fewer examples, or none), and the weight of its mean loss
    /// (0 when the slice has no target: it then adds nothing).
    public func share(of global: [TrainingExample], classification: Bool) -> (examples: [TrainingExample], lossWeight: Double) {
        let mine = Array(global[rank * global.count / ranks ..< (rank + 1) * global.count / ranks])
        func targets(_ examples: [TrainingExample]) -> Int {
            classification ? examples.count : examples.reduce(0) { $0 + $1.labels.dropFirst().filter { $0 != Tensor.ignoreIndex }.count }
        }
        let total = targets(global), own = targets(mine)
        guard total > 0 else { return (mine, mine.isEmpty ? 0 : 1) }
        return (mine, Double(own * ranks) / Double(total))
    }

    /// What the ranks agreed at the end of a step's backward passes.
    public struct StepOutcome {
        /// The step's losses (as given to `finishBackward`), averaged over the ranks.
        public var losses: [Double]
        /// Whether any rank asked to stop (Ctrl-C, a signal from the launcher).
        public var stop: Bool
    }

    /// Ends a step's backward passes on every rank: the ranks exchange their losses, whether they were
    /// finite and whether they were asked to stop; a non-finite loss anywhere stops every rank with
    /// the same error; otherwise the trainable gradients are averaged in one all-reduce.
    public func finishBackward(parameters: [Tensor], losses: [Double], nonFiniteLoss: Float?, stopRequested: Bool, step: Int) throws -> StepOutcome {
        let agreement = try communicator.agree([nonFiniteLoss == nil ? 0 : 1, stopRequested ? 1 : 0] + losses, what: "the end of step \(step)")
        if let badRank = agreement.firstNonzeroRank[0] {
            throw DistributedError("the loss became non-finite at step \(step) on rank \(badRank) of \(ranks); every rank stopped (lower lr or check the data; the last saved weights are kept)", agreed: true)
        }
        try averageGradients(parameters, step: step)
        return StepOutcome(losses: agreement.sums[2...].map { $0 / Double(ranks) }, stop: agreement.sums[1] > 0)
    }

    /// Averages the gradients of `parameters` over the ranks in one all-reduce of a flat buffer,
    /// with one count per parameter of the ranks that had a gradient: a parameter no rank's slice
    /// reached keeps no gradient (the optimizer skips it, as one process would).
    func averageGradients(_ parameters: [Tensor], step: Int) throws {
        let total = parameters.reduce(parameters.count) { $0 + $1.count }
        var flat = [Float](repeating: 0, count: total)
        var offset = parameters.count
        for (index, parameter) in parameters.enumerated() {
            if let grad = parameter.grad {
                flat[index] = 1
                grad.withUnsafeBufferPointer { source in
                    flat.withUnsafeMutableBufferPointer { target in
                        _ = UnsafeMutableBufferPointer(rebasing: target[offset ..< offset + source.count]).initialize(from: source)
                    }
                }
            }
            offset += parameter.count
        }
        try flat.withUnsafeMutableBufferPointer { try communicator.sumInPlace($0, what: "the gradient all-reduce of step \(step)") }
        let scale = 1 / Float(ranks)
        offset = parameters.count
        for (index, parameter) in parameters.enumerated() {
            defer { offset += parameter.count }
            guard flat[index] > 0 else { continue }
            let grad = parameter.grad ?? Tensor(shape: parameter.shape, data: [Float](repeating: 0, count: parameter.count))
            flat.withUnsafeBufferPointer { source in
                grad.withUnsafeMutableBufferPointer { target in
                    for i in 0 ..< target.count { target[i] = source[offset + i] * scale }
                }
            }
            parameter.grad = grad
        }
    }

    /// Gives each rank after the first its own dropout streams, derived from the seeded (or
    /// restored) ones and the rank, so the ranks' masks differ and are the same for a given
    /// number of ranks; rank 0 keeps the streams one process would use (and checkpoints save).
    func separateDropoutStreams(of model: any PretrainedModel) {
        guard rank > 0 else { return }
        for (_, module) in model.namedModules() {
            guard let dropout = module as? Dropout else { continue }
            var source = dropout.generator
            dropout.generator = RandomGenerator(seed: source.next() ^ (UInt64(rank) &* 0x9E37_79B9_7F4A_7C15))
        }
    }
}

extension Trainer {
    /// Whether this process writes the run's files (metrics, checkpoints, weights): alone, or as
    /// rank 0 of a data-parallel job, whose other ranks only compute.
    public var writesOutput: Bool { (dataParallel?.rank ?? 0) == 0 }
}
