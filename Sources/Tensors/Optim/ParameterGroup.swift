/// A set of parameters that share a learning rate and a weight decay, like an entry of PyTorch's
/// `optimizer.param_groups`. It is a reference type so that a schedule can change `learningRate`
/// between steps through `Optimizer.parameterGroups`.
public final class ParameterGroup {
    /// The tensors this group updates, in place.
    public let parameters: [Tensor]
    /// The step size; a schedule sets it before each step.
    public var learningRate: Double
    /// The weight-decay factor: decoupled (`p *= 1 - lr * wd`) in AdamW, added to the gradient in SGD.
    public var weightDecay: Double

    /// A group updating `parameters` with its own learning rate and weight decay.
    public init(parameters: [Tensor], learningRate: Double, weightDecay: Double = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}
