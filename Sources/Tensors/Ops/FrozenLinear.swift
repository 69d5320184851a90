extension Tensor {
    /// `linear(weight:bias:layout:)` with a frozen weight kept packed (`FrozenWeight`): the weight is
    /// dequantised into a scratch buffer right before the forward GEMM, and again before the
    /// input-gradient GEMM of the backward pass, so no float32 copy of it stays alive in between.
    /// The weight gets no gradient (it is frozen); the input and bias do when they require one.
    public func linear(frozen weight: FrozenWeight, bias: Tensor? = nil, layout: WeightLayout = .outIn) throws -> Tensor {
        let out = try WeightScratch.withDequantized(weight) { w in
            try GradMode.withoutGradients { try linear(weight: w, bias: bias, layout: layout) }
        }
        let (outFeatures, inFeatures) = layout == .outIn ? (weight.shape[0], weight.shape[1]) : (weight.shape[1], weight.shape[0])
        let product = LinearProduct(rows: count / Swift.max(inFeatures, 1), inFeatures: inFeatures, outFeatures: outFeatures, layout: layout)
        let inputs = [self] + (bias.map { [$0] } ?? [])
        return Tensor.record(out, op: "linear", inputs: inputs) { [self] g, inputSum in
            let grads = WeightScratch.withDequantized(weight) { w in
                product.pullback(g, input: self, weight: w, bias: bias, addingInputGradientTo: inputSum)
            }
            return [grads[0]] + (bias == nil ? [] : [grads[2]])
        }
    }
}
