import Tensors

/// Whether decoder blocks are checkpointed in the forward passes of this task (transformers'
/// `gradient_checkpointing_enable()`): each block keeps only its input, and is recomputed in the
/// backward pass. The trainer turns it on around its training forward passes.
public enum GradientCheckpointing {
    @TaskLocal public static var isEnabled = false

    /// `forward(x)` for `block`, checkpointed when checkpointing is on and a gradient is being
    /// recorded. The block's dropout generators are put back before the recomputation, so it draws
    /// the same masks (PyTorch's `preserve_rng_state`).
    static func run(_ block: Module, _ x: Tensor, _ forward: @escaping (Tensor) throws -> Tensor) throws -> Tensor {
        guard isEnabled, GradMode.isEnabled else { return try forward(x) }
        let dropouts = block.namedModules().compactMap { $0.module as? Dropout }
        let generators = dropouts.map(\.generator)
        let parameters = block.namedParameters().compactMap { $0.parameter.tensor }
        return try Tensor.checkpoint(x, parameters: parameters, beforeRecompute: {
            for (dropout, generator) in zip(dropouts, generators) { dropout.generator = generator }
        }, forward)
    }
}
