/// Stochastic gradient descent with `torch.optim.SGD`'s update. For each parameter with gradient `g`:
///
///     d = g + wd · p                         (when wd ≠ 0)
///     b = d on the first step, else momentum · b + (1 - dampening) · d    (when momentum ≠ 0)
///     d = d + momentum · b if nesterov, else b                            (when momentum ≠ 0)
///     p -= lr · d
///
/// Gradients are read, never changed.
public final class SGD: Optimizer {
    /// The momentum factor; 0 turns momentum off.
    public let momentum: Double
    /// The dampening of the gradient's contribution to the momentum buffer.
    public let dampening: Double
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    private let slots: ParameterSlots

    public var parameterGroups: [ParameterGroup] { slots.groups }

    /// An optimizer over `groups`, each with its own learning rate and weight decay (L2 penalty).
    /// - Throws: `TensorError.invalidArgument` for negative momentum, Nesterov without momentum or
    ///   with dampening, a negative learning rate or weight decay, or a parameter in more than one group.
    public init(groups: [ParameterGroup], momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false) throws {
        guard momentum >= 0, dampening.isFinite else {
            throw TensorError.invalidArgument(op: "SGD", reason: "momentum must be non-negative and dampening finite; got \(momentum), \(dampening)")
        }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw TensorError.invalidArgument(op: "SGD", reason: "Nesterov momentum requires a positive momentum and zero dampening")
        }
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.slots = try ParameterSlots(groups: groups, optimizer: "SGD")
    }

    /// An optimizer over one group of `parameters`, with PyTorch's defaults.
    public convenience init(parameters: [Tensor], learningRate: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                            weightDecay: Double = 0, nesterov: Bool = false) throws {
        try self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                      momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    public func step() throws {
        for update in try slots.pendingUpdates() {
            update.slot.step += 1
            if momentum == 0 {
                applyPlain(update)
            } else {
                applyWithMomentum(update)
            }
        }
    }

    public func state() -> OptimizerState { slots.state() }

    public func load(_ state: OptimizerState) throws {
        try slots.load(state, bufferNames: momentum == 0 ? [] : ["momentum_buffer"])
    }

    /// `p -= lr · (g + wd · p)`.
    private func applyPlain(_ update: PendingUpdate) {
        let negativeLR = Float(-update.group.learningRate)
        let wd = Float(update.group.weightDecay)
        update.gradient.withUnsafeBufferPointer { g in
            update.parameter.withUnsafeMutableBufferPointer { p in
                Parallel.forEachChunk(p.count) { range in
                    for i in range {
                        let d = wd == 0 ? g[i] : g[i] + wd * p[i]
                        p[i] = p[i] + negativeLR * d
                    }
                }
            }
        }
    }

    /// The momentum update; the buffer starts as the first step's decayed gradient.
    private func applyWithMomentum(_ update: PendingUpdate) {
        let negativeLR = Float(-update.group.learningRate)
        let wd = Float(update.group.weightDecay)
        let (mu, gradientWeight) = (Float(momentum), Float(1 - dampening))
        let isFirst = update.slot.buffers["momentum_buffer"] == nil
        let nesterov = self.nesterov
        let buffer = update.slot.buffer("momentum_buffer", shapedLike: update.parameter)
        update.gradient.withUnsafeBufferPointer { g in
            update.parameter.withUnsafeMutableBufferPointer { p in
                buffer.withUnsafeMutableBufferPointer { b in
                    Parallel.forEachChunk(p.count) { range in
                        for i in range {
                            let d = wd == 0 ? g[i] : g[i] + wd * p[i]
                            b[i] = isFirst ? d : b[i] * mu + gradientWeight * d
                            p[i] = p[i] + negativeLR * (nesterov ? d + mu * b[i] : b[i])
                        }
                    }
                }
            }
        }
    }
}
