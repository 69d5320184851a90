import Tensors

/// `init_lora_weights`: how a new adapter's weights start.
public enum LoraInitialization: Equatable, Sendable {
    /// `true`: A Kaiming-uniform (a = √5), B zero (Embedding: A zero, B standard normal); a fresh
    /// adapter changes nothing.
    case kaimingUniform
    /// `"gaussian"`: A normal with std 1/r, B zero.
    case gaussian
    /// `false`: A and B both random (for tests; the adapter changes the output at once).
    case random

    /// The JSON value PEFT writes.
    var json: JSONValue {
        switch self {
        case .kaimingUniform: return .bool(true)
        case .random: return .bool(false)
        case .gaussian: return .string("gaussian")
        }
    }

    /// Reads `init_lora_weights`; the data- and SVD-based ones are refused until lorakit has them.
    init(json: JSONValue) throws {
        switch json {
        case let .bool(value): self = value ? .kaimingUniform : .random
        case let .string(text) where text.lowercased() == "gaussian": self = .gaussian
        case let .string(text):
            throw TunerError.notYetSupported("init_lora_weights=\"\(text)\" (only true, false and \"gaussian\" are available for now; pass one of those)")
        default: throw TunerError.invalidValue(field: "init_lora_weights", reason: "must be true, false or a method name")
        }
    }

    /// Initial `lora_A` `[r, in]` and `lora_B` `[out, r]` of a Linear/Conv1D adapter.
    func linearWeights(r: Int, inFeatures: Int, outFeatures: Int, generator: inout RandomGenerator) -> (a: Tensor, b: Tensor) {
        switch self {
        case .kaimingUniform:
            return (Tensor.kaimingUniform([r, inFeatures], fanIn: inFeatures, generator: &generator), Tensor.zeros([outFeatures, r]))
        case .gaussian:
            return (Tensor.normal([r, inFeatures], std: 1 / Float(r), generator: &generator), Tensor.zeros([outFeatures, r]))
        case .random:
            return (Tensor.kaimingUniform([r, inFeatures], fanIn: inFeatures, generator: &generator),
                    Tensor.kaimingUniform([outFeatures, r], fanIn: r, generator: &generator))
        }
    }

    /// Initial `lora_embedding_A` `[r, count]` and `lora_embedding_B` `[dimension, r]`.
    func embeddingWeights(r: Int, count: Int, dimension: Int, generator: inout RandomGenerator) -> (a: Tensor, b: Tensor) {
        switch self {
        case .kaimingUniform, .gaussian:
            return (Tensor.zeros([r, count]), Tensor.normal([dimension, r], generator: &generator))
        case .random:
            return (Tensor.normal([r, count], generator: &generator), Tensor.normal([dimension, r], generator: &generator))
        }
    }
}
