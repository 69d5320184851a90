extension Tensor {
    /// Gradient checkpointing (PyTorch's `torch.utils.checkpoint`): `block(input)`, keeping only
    /// `input` for the backward pass. The forward pass runs as it would without checkpointing (on
    /// the tape, so the arithmetic is the same) and then lets the block's tape go; the backward pass
    /// runs `beforeRecompute` (to put random generators back), recomputes the block on the tape and
    /// back-propagates through it, adding the gradients of the trainable leaves inside the block
    /// (`parameters`) to their `grad` and returning the input's. The results are bit for bit those
    /// of the block without checkpointing, as long as `block` computes the same thing twice.
    public static func checkpoint(_ input: Tensor, parameters: [Tensor], beforeRecompute: @escaping () -> Void,
                                  _ block: @escaping (Tensor) throws -> Tensor) throws -> Tensor {
        let trainable = parameters.filter(\.requiresGrad)
        guard GradMode.isEnabled, input.requiresGrad || !trainable.isEmpty else { return try block(input) }
        func leaf() -> Tensor {
            let copy = input.detached()
            copy.requiresGrad = input.requiresGrad
            return copy
        }
        let output = try block(leaf()).detached()
        return record(output, op: "checkpoint", inputs: [input] + trainable) { gradient in
            beforeRecompute()
            let again = leaf()
            let recomputed = try GradMode.withGradients { try block(again) }
            guard recomputed.requiresGrad else { return [nil] + trainable.map { _ in nil } }
            try recomputed.backward(seed: gradient)
            return [again.grad] + trainable.map { _ in nil }
        }
    }
}
