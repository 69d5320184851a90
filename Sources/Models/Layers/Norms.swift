import Tensors

/// `nn.LayerNorm` over the last dimension, with weight and bias.
public final class LayerNorm: Module, TensorLayer {
    public let weight: Parameter, bias: Parameter
    public let eps: Float

    public init(dimension: Int, eps: Float, factory: ParameterFactory) {
        self.weight = factory.ones([dimension])
        self.bias = factory.zeros([dimension])
        self.eps = eps
        super.init(kind: .layerNorm)
        register(weight, as: "weight")
        register(bias, as: "bias")
    }

    private init(sharing other: LayerNorm) {
        (weight, bias, eps) = (other.weight, other.bias, other.eps)
        super.init(kind: .layerNorm)
        register(weight, as: "weight")
        register(bias, as: "bias")
    }

    override public func sharingReplica() throws -> Module {
        let copy = LayerNorm(sharing: self)
        copy.setTraining(isTraining)
        return copy
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try x.layerNorm(weight: weight.value(), bias: bias.value(), eps: eps)
    }
}

/// RMSNorm as `LlamaRMSNorm`, `x / sqrt(mean(x²) + eps) · weight`, or as Gemma's
/// `Gemma3RMSNorm`, `· (1 + weight)`, whose weight is stored as an offset from 1 (and starts at 0).
public final class RMSNorm: Module, TensorLayer {
    public let weight: Parameter
    public let eps: Float
    /// Gemma's `(1 + weight)` scaling.
    public let addsOne: Bool

    public init(dimension: Int, eps: Float, factory: ParameterFactory, addsOne: Bool = false) {
        self.weight = addsOne ? factory.zeros([dimension]) : factory.ones([dimension])
        self.eps = eps
        self.addsOne = addsOne
        super.init(kind: .rmsNorm)
        register(weight, as: "weight")
    }

    private init(sharing other: RMSNorm) {
        (weight, eps, addsOne) = (other.weight, other.eps, other.addsOne)
        super.init(kind: .rmsNorm)
        register(weight, as: "weight")
    }

    override public func sharingReplica() throws -> Module {
        let copy = RMSNorm(sharing: self)
        copy.setTraining(isTraining)
        return copy
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        let w = try weight.value()
        return try x.rmsNorm(weight: addsOne ? w.adding(scalar: 1) : w, eps: eps)
    }
}

/// `nn.Dropout`: active only in training mode and with a non-zero probability.
public final class Dropout: Module, TensorLayer {
    public let probability: Float
    /// The source of this layer's masks; a training checkpoint saves and restores it.
    public var generator: RandomGenerator

    public init(probability: Float, seed: UInt64 = 0) {
        self.probability = probability
        self.generator = RandomGenerator(seed: seed)
        super.init(kind: .dropout)
    }

    /// A new dropout with the same probability and the same mask generator state.
    override public func sharingReplica() throws -> Module {
        let copy = Dropout(probability: probability)
        copy.generator = generator
        copy.setTraining(isTraining)
        return copy
    }

    /// Whether `forward` returns its input itself: in evaluation mode, or with probability 0.
    public var isIdentity: Bool { !isTraining || probability == 0 }

    public func forward(_ x: Tensor) throws -> Tensor {
        guard !isIdentity else { return x }
        return try x.dropout(probability: probability, generator: &generator)
    }
}
