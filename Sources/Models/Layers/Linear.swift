import Tensors

/// `nn.Linear`: `y = x Wᵀ + b` with an `[out, in]` weight.
public final class Linear: Module, TensorLayer {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?

    public init(inFeatures: Int, outFeatures: Int, bias: Bool, factory: ParameterFactory) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = factory.weight([outFeatures, inFeatures])
        self.bias = bias ? factory.zeros([outFeatures]) : nil
        super.init(kind: .linear)
        register(weight, as: "weight")
        if let b = self.bias { register(b, as: "bias") }
    }

    /// A bias-free output head whose weight is an embedding's table (`tie_word_embeddings`).
    public init(tiedTo embeddingWeight: Parameter) {
        self.inFeatures = embeddingWeight.shape[1]
        self.outFeatures = embeddingWeight.shape[0]
        self.weight = embeddingWeight
        self.bias = nil
        super.init(kind: .linear)
        register(weight, as: "weight")
    }

    private init(sharing other: Linear) {
        (inFeatures, outFeatures, weight, bias) = (other.inFeatures, other.outFeatures, other.weight, other.bias)
        super.init(kind: .linear)
        register(weight, as: "weight")
        if let bias { register(bias, as: "bias") }
    }

    override public func sharingReplica() throws -> Module {
        let copy = Linear(sharing: self)
        copy.setTraining(isTraining)
        return copy
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try weight.linear(x, bias: bias?.value(), layout: .outIn)
    }
}

/// transformers' `Conv1D` (GPT-2): `y = x W + b` with an `[in, out]` weight.
public final class Conv1D: Module, TensorLayer {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter

    public init(inFeatures: Int, outFeatures: Int, factory: ParameterFactory) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = factory.weight([inFeatures, outFeatures])
        self.bias = factory.zeros([outFeatures])
        super.init(kind: .conv1D)
        register(weight, as: "weight")
        register(bias, as: "bias")
    }

    private init(sharing other: Conv1D) {
        (inFeatures, outFeatures, weight, bias) = (other.inFeatures, other.outFeatures, other.weight, other.bias)
        super.init(kind: .conv1D)
        register(weight, as: "weight")
        register(bias, as: "bias")
    }

    override public func sharingReplica() throws -> Module {
        let copy = Conv1D(sharing: self)
        copy.setTraining(isTraining)
        return copy
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try weight.linear(x, bias: bias.value(), layout: .inOut)
    }
}
