import Models
import Tensors

/// One adapter's LoRA factors on a layer, in the `B · A` orientation: `a` `[r, in]` and `b`
/// `[out, r]` for a Linear/Conv1D, `lora_embedding_A` `[r, count]` and `lora_embedding_B` `[dim, r]`
/// for an Embedding (whose `B · A` is the transposed delta, as PEFT's SVD path transposes it).
struct LoraFactors {
    let a: Parameter
    let b: Parameter
    let scaling: Float

    /// `scaling · B · A`.
    func scaledProduct() throws -> Tensor {
        try b.value().matmul(a.value()).scaled(by: scaling)
    }

    /// The factors of `adapter` on `layer`, nil when the layer is not a LoRA layer or lacks it.
    static func of(_ adapter: String, on layer: any AdapterLayer) -> LoraFactors? {
        switch layer {
        case let linear as LoraLinear:
            return linear.adapter(adapter).map { LoraFactors(a: $0.a.weight, b: $0.b.weight, scaling: $0.scaling) }
        case let embedding as LoraEmbedding:
            guard let scaling = embedding.scalings[adapter], let a = embedding.child("lora_embedding_A")?.parameter(adapter),
                  let b = embedding.child("lora_embedding_B")?.parameter(adapter) else { return nil }
            return LoraFactors(a: a, b: b, scaling: scaling)
        default:
            return nil
        }
    }
}
