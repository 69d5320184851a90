import Tensors

/// The start of one LoRA adapter on a Linear/Conv1D layer: `lora_A` `[r, in]`, `lora_B` `[out, r]`,
/// and, for the inits that change the base (PiSSA, OLoRA, LoftQ), the new base weight `[out, in]`.
struct LinearInitialization {
    let a: Tensor
    let b: Tensor
    /// The base weight the layer keeps from now on, in `[out, in]` layout; nil if unchanged.
    let residual: Tensor?
}

/// What a Linear init may read: the layer's shape, its base weight, the adapter's rank and scaling.
struct LinearInitializationInput {
    let module: String
    let r: Int
    let scaling: Double
    let inFeatures: Int, outFeatures: Int
    let layout: WeightLayout
    /// The current base weight in `[out, in]` layout.
    let weight: () throws -> Tensor
}

extension LoraInitialization {
    /// The initial adapter of a Linear/Conv1D layer, as PEFT's `LoraLayer.update_layer` dispatches.
    func linearWeights(_ input: LinearInitializationInput, generator: inout RandomGenerator) throws -> LinearInitialization {
        let (r, inFeatures, outFeatures) = (input.r, input.inFeatures, input.outFeatures)
        switch self {
        case .kaimingUniform, .eva, .loraGA:
            return LinearInitialization(a: Tensor.kaimingUniform([r, inFeatures], fanIn: inFeatures, generator: &generator),
                                        b: Tensor.zeros([outFeatures, r]), residual: nil)
        case .gaussian:
            return LinearInitialization(a: Tensor.normal([r, inFeatures], std: 1 / Float(r), generator: &generator),
                                        b: Tensor.zeros([outFeatures, r]), residual: nil)
        case .random:
            return LinearInitialization(a: Tensor.kaimingUniform([r, inFeatures], fanIn: inFeatures, generator: &generator),
                                        b: Tensor.kaimingUniform([outFeatures, r], fanIn: r, generator: &generator), residual: nil)
        case let .pissa(niter):
            return try PissaInitialization.weights(input, niter: niter, generator: &generator)
        case .olora:
            return try OloraInitialization.weights(input)
        case .orthogonal:
            return try OrthogonalInitialization.weights(input, generator: &generator)
        case let .loftq(config):
            return try LoftQInitialization.weights(input, config: config)
        case .corda:
            throw TunerError.invalidValue(field: "init_lora_weights", reason: "\"corda\" builds A, B and the residual base of \(input.module) from the covariance of its inputs on calibration data, which this path has none of; run `lorakit init --data FILE`, which writes the residual base with an adapter saved as init_lora_weights: true")
        }
    }
}
