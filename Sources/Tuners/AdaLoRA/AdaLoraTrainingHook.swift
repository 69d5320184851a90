import Tensors

/// AdaLoRA's additions to a training loop for one trainable AdaLoRA adapter: the orthogonal
/// regulariser in the loss, and the rank allocator after every optimizer step.
public final class AdaLoraTrainingHook: AdapterTrainingHook {
    private let peft: PeftModel
    private let adapter: String
    /// The rank allocator, once `prepareSteps()` made it.
    public private(set) var allocator: RankAllocator?

    init(peft: PeftModel, adapter: String) {
        self.peft = peft
        self.adapter = adapter
    }

    public var lossTerm: (() throws -> Tensor)? {
        { [peft, adapter] in try peft.orthogonalRegularization(adapter: adapter) }
    }

    public func prepareSteps() throws {
        if allocator == nil { allocator = try RankAllocator(peft: peft, adapter: adapter) }
    }

    /// The trainer counts steps from 1; PEFT's `global_step` counts them from 0.
    public func afterOptimizerStep(_ step: Int) throws -> RankAllocation? {
        try prepareSteps()
        return try allocator?.updateAndAllocate(globalStep: step - 1)
    }

    /// A warning when `total_step` differs from the run's steps, as PEFT allows it: a shorter run
    /// (stopped early, or continued later) ends before the budget reaches its target; a longer one
    /// keeps the final masks for its last steps.
    public func warning(totalSteps: Int) -> String? {
        guard let config = peft.configs[adapter] as? AdaLoraConfig, let totalStep = config.totalStep, totalStep != totalSteps else { return nil }
        return totalStep > totalSteps
            ? "the AdaLoRA adapter's total_step is \(totalStep) but this run makes \(totalSteps) optimizer steps: the rank budget will not reach its target (\(config.targetR) per module) by the end; set total_step: \(totalSteps) for a complete schedule"
            : "the AdaLoRA adapter's total_step is \(totalStep) but this run makes \(totalSteps) optimizer steps: after step \(totalStep) the final masks are kept, as PEFT keeps them"
    }

    public let stateFileName = "adalora_allocator.safetensors"

    public func stateTensors() -> [String: Tensor] { allocator?.stateTensors() ?? [:] }

    public func restoreState(from tensors: [String: Tensor]) throws {
        try prepareSteps()
        try allocator?.restoreState(from: tensors)
    }
}

extension AdaLoraConfig {
    public func trainingHook(for peft: PeftModel, adapter: String) throws -> (any AdapterTrainingHook)? {
        AdaLoraTrainingHook(peft: peft, adapter: adapter)
    }
}
