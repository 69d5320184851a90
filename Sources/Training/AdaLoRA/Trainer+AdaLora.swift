import Tuners

extension Trainer {
    /// For a trainable AdaLoRA adapter of `peft`, what PEFT's users add to their loop: the
    /// orthogonal regulariser in the loss, and (with `allocate`) the rank allocator after each
    /// optimizer step, the step hook. Returns the hook, or nil when `peft` trains no AdaLoRA adapter
    /// or `allocate` is false.
    public func attachRankAllocator(for peft: PeftModel, allocate: Bool) throws -> RankAllocationHook? {
        guard let adapter = peft.trainableAdaLoraAdapter else { return nil }
        lossRegularizer = { try peft.orthogonalRegularization(adapter: adapter) }
        guard allocate else { return nil }
        let hook = RankAllocationHook(try RankAllocator(peft: peft, adapter: adapter))
        stepHook = hook
        return hook
    }

    /// A warning when the AdaLoRA adapter's `total_step` differs from this run's steps, as PEFT
    /// allows it: a shorter run (stopped early, or continued later) ends before the budget reaches
    /// its target; a longer one keeps the final masks for its last steps.
    public func rankScheduleWarning(for peft: PeftModel) -> String? {
        guard let adapter = peft.trainableAdaLoraAdapter, let config = peft.configs[adapter] as? AdaLoraConfig,
              let totalStep = config.totalStep, totalStep != totalSteps else { return nil }
        return totalStep > totalSteps
            ? "the AdaLoRA adapter's total_step is \(totalStep) but this run makes \(totalSteps) optimizer steps: the rank budget will not reach its target (\(config.targetR) per module) by the end; set total_step: \(totalSteps) for a complete schedule"
            : "the AdaLoRA adapter's total_step is \(totalStep) but this run makes \(totalSteps) optimizer steps: after step \(totalStep) the final masks are kept, as PEFT keeps them"
    }
}
