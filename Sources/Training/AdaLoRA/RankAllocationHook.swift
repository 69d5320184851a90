import Tuners

/// Runs AdaLoRA's rank allocator from the trainer's step hook, where PEFT's users call
/// `update_and_allocate(global_step)`: after the optimizer step, before the gradients are cleared.
/// Each masking step's allocation goes to `onAllocation`.
public final class RankAllocationHook: TrainingStepHook {
    public let allocator: RankAllocator
    /// Receives the allocation of every masking step (the training run turns it into an event).
    public var onAllocation: ((RankAllocation) -> Void)?

    public init(_ allocator: RankAllocator) {
        self.allocator = allocator
    }

    /// The trainer counts steps from 1; PEFT's `global_step` counts them from 0.
    public func afterOptimizerStep(_ step: Int) throws {
        if let allocation = try allocator.updateAndAllocate(globalStep: step - 1) { onAllocation?(allocation) }
    }
}
