import Tuners

extension Trainer {
    /// For a trainable AdaLoRA adapter of `peft`, what PEFT's users add to their loop: the rank
    /// allocator after each optimizer step (the step hook) and the orthogonal regulariser in the loss.
    /// The adapter's `total_step` must equal this trainer's steps, so the budget reaches its target
    /// at the end of the run; otherwise nothing is attached and the error says what to change.
    /// Returns the hook, or nil when `peft` trains no AdaLoRA adapter.
    public func attachRankAllocator(for peft: PeftModel) throws -> RankAllocationHook? {
        guard let adapter = peft.trainableAdaLoraAdapter, let config = peft.configs[adapter] as? AdaLoraConfig else { return nil }
        guard config.totalStep == totalSteps else {
            throw RecipeError("the AdaLoRA adapter's total_step is \(config.totalStep.map(String.init) ?? "not set"), but this run makes \(totalSteps) optimizer steps; set total_step: \(totalSteps) in the adapter config (or max_steps to match it), so the rank budget reaches its target at the end of the run")
        }
        let hook = RankAllocationHook(try RankAllocator(peft: peft, adapter: adapter))
        stepHook = hook
        lossRegularizer = { try peft.orthogonalRegularization(adapter: adapter) }
        return hook
    }
}
