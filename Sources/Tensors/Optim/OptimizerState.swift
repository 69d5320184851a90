/// An optimizer's state as plain values, for checkpoints: each group's settings and, for each
/// parameter, how many updates it has had and the optimizer's buffers for it.
public struct OptimizerState: Equatable, Codable, Sendable {
    /// What an optimizer remembers about one parameter.
    public struct PerParameter: Equatable, Codable, Sendable {
        /// The number of updates applied to the parameter.
        public var step: Int
        /// The buffers under PyTorch's state names (`exp_avg`, `exp_avg_sq`, `momentum_buffer`), each
        /// with the parameter's element count in row-major order.
        public var buffers: [String: [Float]]

        /// The state of a parameter after `step` updates, with its buffers.
        public init(step: Int, buffers: [String: [Float]]) {
            self.step = step
            self.buffers = buffers
        }
    }

    /// Each group's learning rate, in group order.
    public var learningRates: [Double]
    /// Each group's weight decay, in group order.
    public var weightDecays: [Double]
    /// One entry per parameter, groups and their parameters in order; nil for one never updated.
    public var parameters: [PerParameter?]

    /// A state with the given group settings and per-parameter entries.
    public init(learningRates: [Double], weightDecays: [Double], parameters: [PerParameter?]) {
        self.learningRates = learningRates
        self.weightDecays = weightDecays
        self.parameters = parameters
    }
}
