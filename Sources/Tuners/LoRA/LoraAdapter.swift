import Models
import Tensors

/// One named LoRA adapter of a Linear/Conv1D layer: `lora_A` (`[r, in]`), `lora_B` (`[out, r]`,
/// with a bias under `lora_bias`), its dropout, its scaling, and DoRA's magnitude when used.
final class LoraAdapter {
    let r: Int
    let alpha: Double
    let scaling: Float
    let a: Linear
    let b: Linear
    let dropout: Dropout
    let magnitude: DoraMagnitude?

    init(r: Int, alpha: Double, scaling: Double, a: Linear, b: Linear, dropout: Dropout, magnitude: DoraMagnitude?) {
        self.r = r
        self.alpha = alpha
        self.scaling = Float(scaling)
        self.a = a
        self.b = b
        self.dropout = dropout
        self.magnitude = magnitude
    }

    /// Adds `scaling · B(A(x))` (B's bias included) to `result`, as two small GEMMs; `B·A` is never
    /// formed. Without a bias on B, the rank-r intermediate is scaled instead of the output (r/out of
    /// the work, the same map) and B's product is accumulated straight into `result`.
    func addUpdate(_ x: Tensor, to result: inout Tensor) throws {
        guard b.bias == nil else {
            result = try result + b.forward(a.forward(x)).scaled(by: scaling)
            return
        }
        try Tensor.addLinear(a.forward(x).scaled(by: scaling), weight: b.weight.value(), to: &result)
    }

    /// `scaling · B A` as an `[out, in]` matrix.
    func product() throws -> Tensor {
        try b.weight.value().matmul(a.weight.value()).scaled(by: scaling)
    }

    /// `scaling · (B A)ᵀ` as an `[in, out]` matrix (the Conv1D layout).
    func transposedProduct() throws -> Tensor {
        try a.weight.value().matmul(b.weight.value(), transposeSelf: true, transposeOther: true).scaled(by: scaling)
    }

    /// A bias-optional `Linear` whose parameters take the given values.
    static func linear(_ weight: Tensor, bias: Tensor?) throws -> Linear {
        let layer = Linear(inFeatures: weight.shape[1], outFeatures: weight.shape[0], bias: bias != nil, factory: ParameterFactory(.meta))
        try layer.weight.assign(weight, name: "weight")
        if let bias { try layer.bias!.assign(bias, name: "bias") }
        return layer
    }
}

/// DoRA's learnable magnitude of one adapter (`lora_magnitude_vector.<adapter>`), one value per
/// output feature; its parameter is named `weight` as in PEFT's `DoraLinearLayer`.
final class DoraMagnitude: Module {
    let weight: Parameter

    init(_ values: Tensor) {
        weight = Parameter(values)
        super.init(kind: .container, typeName: "lora.dora.DoraLinearLayer")
        register(weight, as: "weight")
    }
}
