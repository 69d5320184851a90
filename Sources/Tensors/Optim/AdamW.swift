import Foundation

/// Adam with decoupled weight decay, with `torch.optim.AdamW`'s update and defaults. For each
/// parameter with gradient `g` at its step `t`:
///
///     p *= 1 - lr * wd
///     m = lerp(m, g, 1 - β1)                       // β1 m + (1 - β1) g, as torch's lerp_ computes it
///     v = β2 v + (1 - β2) g²
///     p -= (lr / (1 - β1^t)) · m / (√v / √(1 - β2^t) + ε)
///
/// The arithmetic is Float32; the scalar factors (`1 - lr * wd`, the bias corrections and the step
/// size) are computed in Double and then rounded, as torch computes them as Python floats.
public final class AdamW: Optimizer {
    /// The decay rates of the first and second moment estimates.
    public let betas: (Double, Double)
    /// The term added to the denominator for numerical stability.
    public let epsilon: Double
    private let slots: ParameterSlots

    public var parameterGroups: [ParameterGroup] { slots.groups }

    /// An optimizer over `groups`, each with its own learning rate and weight decay.
    /// - Throws: `TensorError.invalidArgument` for a beta outside `[0, 1)`, a negative epsilon, a
    ///   negative learning rate or weight decay, or a parameter in more than one group.
    public init(groups: [ParameterGroup], betas: (Double, Double) = (0.9, 0.999), epsilon: Double = 1e-8) throws {
        guard (0 ..< 1).contains(betas.0), (0 ..< 1).contains(betas.1), epsilon >= 0 else {
            throw TensorError.invalidArgument(
                op: "AdamW", reason: "betas must lie in [0, 1) and epsilon must be non-negative; got betas \(betas), epsilon \(epsilon)")
        }
        self.betas = betas
        self.epsilon = epsilon
        self.slots = try ParameterSlots(groups: groups, optimizer: "AdamW")
    }

    /// An optimizer over one group of `parameters`, with PyTorch's defaults.
    public convenience init(parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            epsilon: Double = 1e-8, weightDecay: Double = 0.01) throws {
        try self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                      betas: betas, epsilon: epsilon)
    }

    public func step() throws {
        for update in try slots.pendingUpdates() {
            update.slot.step += 1
            apply(update)
        }
    }

    public func state() -> OptimizerState { slots.state() }

    public func load(_ state: OptimizerState) throws {
        try slots.load(state, bufferNames: ["exp_avg", "exp_avg_sq"])
    }

    /// One parameter's update, at the step count already in its slot.
    private func apply(_ update: PendingUpdate) {
        let lr = update.group.learningRate
        let t = Double(update.slot.step)
        let decay = Float(1 - lr * update.group.weightDecay)
        let firstWeight = Float(1 - betas.0)
        let (beta2, secondWeight) = (Float(betas.1), Float(1 - betas.1))
        let negativeStepSize = Float(-(lr / (1 - pow(betas.0, t))))
        let secondCorrectionRoot = Float((1 - pow(betas.1, t)).squareRoot())
        let eps = Float(epsilon)
        let expAvg = update.slot.buffer("exp_avg", shapedLike: update.parameter)
        let expAvgSq = update.slot.buffer("exp_avg_sq", shapedLike: update.parameter)
        update.gradient.withUnsafeBufferPointer { g in
            update.parameter.withUnsafeMutableBufferPointer { p in
                expAvg.withUnsafeMutableBufferPointer { m in
                    expAvgSq.withUnsafeMutableBufferPointer { v in
                        Parallel.forEachChunk(p.count) { range in
                            for i in range {
                                p[i] *= decay
                                m[i] = lerp(m[i], g[i], firstWeight)
                                v[i] = v[i] * beta2 + secondWeight * g[i] * g[i]
                                let denominator = v[i].squareRoot() / secondCorrectionRoot + eps
                                p[i] = p[i] + negativeStepSize * m[i] / denominator
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `start + weight * (end - start)`, evaluated as torch's `lerp` does: from the nearer end, so that
/// the result is exact at `weight` 0 and 1.
@inline(__always)
private func lerp(_ start: Float, _ end: Float, _ weight: Float) -> Float {
    abs(weight) < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight)
}
