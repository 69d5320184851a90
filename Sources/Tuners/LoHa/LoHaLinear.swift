import Models
import Tensors

/// The four factors of one LoHa adapter: `hada_w1_a`, `hada_w2_a` `[out, r]` and `hada_w1_b`,
/// `hada_w2_b` `[r, in]`.
struct LoHaFactors {
    let w1a: Tensor, w1b: Tensor, w2a: Tensor, w2b: Tensor

    /// PEFT's `reset_adapter_parameters`: Kaiming-uniform (a = √5) `w1_a`, `w1_b`, `w2_a` and zero
    /// `w2_b`, so a new adapter changes nothing; `random` (`init_weights: false`) makes `w2_b`
    /// Kaiming-uniform too.
    init(r: Int, outFeatures: Int, inFeatures: Int, random: Bool, generator: inout RandomGenerator) {
        w1a = Tensor.kaimingUniform([outFeatures, r], fanIn: r, generator: &generator)
        w1b = Tensor.kaimingUniform([r, inFeatures], fanIn: inFeatures, generator: &generator)
        w2a = Tensor.kaimingUniform([outFeatures, r], fanIn: r, generator: &generator)
        w2b = random ? Tensor.kaimingUniform([r, inFeatures], fanIn: inFeatures, generator: &generator) : Tensor.zeros([r, inFeatures])
    }
}

/// PEFT's `loha.Linear`: `y = base(x) + x ΔWᵀ` with `ΔW = ((w1_a w1_b) ⊙ (w2_a w2_b)) · alpha / r`,
/// the gradient flowing through the Hadamard product to all four factors. The factors live in the
/// parameter dicts `hada_w1_a`, `hada_w1_b`, `hada_w2_a`, `hada_w2_b`, keyed by adapter name.
public final class LoHaLinear: LycorisLayer {
    static let factorNames = ["hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b"]

    init(wrapping base: Module, path: String) throws {
        try super.init(wrapping: base, path: path, typeName: "loha.Linear", method: "LoHa", parameterDicts: Self.factorNames, acceptsConv1D: false)
    }

    /// Adds the adapter `name` with its settings and starting factors.
    func add(_ name: String, settings: LycorisSettings, factors: LoHaFactors) {
        for (dict, value) in zip(Self.factorNames, [factors.w1a, factors.w1b, factors.w2a, factors.w2b]) {
            child(dict)!.register(Parameter(value), as: name)
        }
        add(name, settings: settings)
    }

    /// The factor `dict` of `adapter`.
    private func factor(_ dict: String, _ adapter: String) throws -> Tensor {
        guard let parameter = child(dict)?.parameter(adapter) else { throw TunerError.unknownAdapter(adapter, available: adapterNames) }
        return try parameter.value()
    }

    override func update(of adapter: String) throws -> Tensor {
        guard let scaling = settings[adapter]?.scaling else { throw TunerError.unknownAdapter(adapter, available: adapterNames) }
        return try Tensor.hadamardOfProducts(factor("hada_w1_a", adapter), factor("hada_w1_b", adapter),
                                             factor("hada_w2_a", adapter), factor("hada_w2_b", adapter), scale: scaling)
    }
}
