import Tuners

/// Runs a method's training hook from the trainer's step hook, where PEFT's users call it (AdaLoRA's
/// `update_and_allocate`: after the optimizer step, before the gradients are cleared). Each rank
/// allocation goes to `onAllocation`.
public final class MethodStepHook: TrainingStepHook {
    public let hook: any AdapterTrainingHook
    /// Receives the allocation of every masking step (the training run turns it into an event).
    public var onAllocation: ((RankAllocation) -> Void)?

    public init(_ hook: any AdapterTrainingHook) {
        self.hook = hook
    }

    public func afterOptimizerStep(_ step: Int) throws {
        if let allocation = try hook.afterOptimizerStep(step) { onAllocation?(allocation) }
    }
}

extension Trainer {
    /// For the trainable adapter of `peft`, what its method adds to the loop: any loss term, and
    /// (with `steps`, the recipe's `update_and_allocate`) its step hook. Returns the step hook, or nil
    /// when the method has none or `steps` is false.
    public func attachMethodHook(for peft: PeftModel, steps: Bool) throws -> MethodStepHook? {
        guard let hook = try peft.trainingHook() else { return nil }
        lossRegularizer = hook.lossTerm
        guard steps else { return nil }
        try hook.prepareSteps()
        let stepHook = MethodStepHook(hook)
        self.stepHook = stepHook
        return stepHook
    }

    /// The method hook's warning for this run's steps (AdaLoRA's `total_step` differing from them).
    public func methodHookWarning(for peft: PeftModel) -> String? {
        (try? peft.trainingHook())??.warning(totalSteps: totalSteps)
    }
}
