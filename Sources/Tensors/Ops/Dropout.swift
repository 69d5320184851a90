extension Tensor {
    /// Inverted dropout: each element is zeroed with probability `probability` and the survivors are
    /// scaled by `1 / (1 − probability)`. The mask comes from `generator`, so a seed fixes it. With
    /// probability 0 the tensor itself is returned.
    public func dropout(probability: Float, generator: inout RandomGenerator) throws -> Tensor {
        guard probability >= 0, probability < 1 else {
            throw TensorError.invalidArgument(op: "dropout", reason: "probability \(probability) must be in [0, 1)")
        }
        guard probability > 0 else { return self }
        let keep = 1 / (1 - probability)
        let mask = Tensor.make(shape: shape) { m in
            for i in m.indices { m[i] = generator.nextUnitFloat() < probability ? 0 : keep }
        }
        let out = Kernels.zip(self, mask, *)
        return Tensor.record(out, op: "dropout", inputs: [self]) { g in [Kernels.zip(g, mask, *)] }
    }
}
