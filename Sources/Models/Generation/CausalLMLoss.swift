import Tensors

extension Tensor {
    /// The causal-LM loss as transformers computes it from `labels` (`[batch, length]`): token `t`
    /// predicts label `t + 1`, the last position predicts nothing, labels of -100 are skipped, and
    /// the mean is over the remaining positions. `self` is the logits `[batch, length, vocab]`.
    public func causalLMLoss(labels: [Int]) throws -> Tensor {
        guard rank == 3, labels.count == shape[0] * shape[1] else {
            throw TensorError.shapeMismatch(op: "causalLMLoss", shapes: [shape, [labels.count]],
                                            reason: "logits must be [batch, length, vocab] with one label per position")
        }
        let length = shape[1]
        let shifted = labels.indices.map { i in i % length == length - 1 ? Tensor.ignoreIndex : labels[i + 1] }
        return try crossEntropy(targets: shifted)
    }
}
