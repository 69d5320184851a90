/// An optimizer that updates parameters in place from the gradients `backward()` left in them, as a
/// `torch.optim` optimizer does. Parameters without a gradient are skipped.
public protocol Optimizer: AnyObject {
    /// The parameter groups; set a group's `learningRate` to drive a schedule.
    var parameterGroups: [ParameterGroup] { get }
    /// Applies one update to every parameter that has a gradient.
    /// - Throws: `TensorError.shapeMismatch`, before changing anything, if a gradient's element count
    ///   differs from its parameter's.
    func step() throws
    /// Clears every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
    func zeroGrad()
    /// The step counts, buffers and group settings, as plain arrays for a checkpoint.
    func state() -> OptimizerState
    /// Restores a state taken by `state()` from an optimizer of the same kind over parameters of the
    /// same shapes, in the same groups.
    /// - Throws: `TensorError`, changing nothing, if the state does not fit this optimizer.
    func load(_ state: OptimizerState) throws
}

extension Optimizer {
    public func zeroGrad() {
        for group in parameterGroups {
            for parameter in group.parameters { parameter.zeroGrad() }
        }
    }
}
