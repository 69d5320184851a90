import Tensors

/// What a method adds to the training loop of its trainable adapter, as PEFT's users add it by
/// hand (AdaLoRA: the orthogonal regulariser in the loss and `update_and_allocate(global_step)`
/// after each optimizer step). A method's config makes one (`PeftConfig.trainingHook`); the trainer
/// calls it; a training checkpoint keeps its step state in a file of its own.
public protocol AdapterTrainingHook: AnyObject {
    /// A term the training loss adds, differentiable, if the method has one.
    var lossTerm: (() throws -> Tensor)? { get }
    /// Readies the step part (AdaLoRA builds its rank allocator); a run that calls no step hook
    /// never calls this.
    func prepareSteps() throws
    /// After the optimizer step `step` (counted from 1), before gradients are cleared; returns the
    /// rank allocation when the step made one.
    func afterOptimizerStep(_ step: Int) throws -> RankAllocation?
    /// What a user should know before a run of `totalSteps` optimizer steps, if anything.
    func warning(totalSteps: Int) -> String?
    /// The name of the step state's file in a checkpoint folder.
    var stateFileName: String { get }
    /// The state a resumed run needs, as tensors.
    func stateTensors() -> [String: Tensor]
    /// Restores what `stateTensors()` saved; an entry that does not fit is an error.
    func restoreState(from tensors: [String: Tensor]) throws
}

extension PeftModel {
    /// The training hook of the first trainable adapter whose method has one, or nil.
    public func trainingHook() throws -> (any AdapterTrainingHook)? {
        for name in adapterNames where trainableAdapters.contains(name) {
            if let hook = try configs[name]?.trainingHook(for: self, adapter: name) { return hook }
        }
        return nil
    }
}
