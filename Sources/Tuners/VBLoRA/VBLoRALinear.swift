import Models
import Tensors

/// One VB-LoRA adapter's scalar settings in a layer: rank, top-k, dropout and its generator.
struct VBLoRASettings {
    let r: Int
    let topk: Int
    let dropout: Float
    var generator: RandomGenerator

    init(r: Int, topk: Int, dropout: Float, seed: UInt64) {
        (self.r, self.topk, self.dropout) = (r, topk, dropout)
        generator = RandomGenerator(seed: seed)
    }
}

/// PEFT's `vblora.Linear` around a `Linear` or `Conv1D`: `y = base(x) + (x Aᵀ) Bᵀ` (no scaling), where
/// every length-`L` sub-vector of `A [r, in]` and `B [out, r]` is the softmax-weighted mix of the
/// top-k bank vectors its logits pick. The logits live in the parameter dicts `vblora_logits_A`
/// `[r, in/L, num_vectors]` and `vblora_logits_B` `[out/L, r, num_vectors]`; the adapter's one
/// bank `[num_vectors, L]` is registered under `vblora_vector_bank` in every layer that uses it (the
/// same parameter, so the model lists it once and each layer's gradient adds into it).
public final class VBLoRALinear: TunerLayer, TensorLayer {
    static let logitsNames = ["vblora_logits_A", "vblora_logits_B"]
    var settings: [String: VBLoRASettings] = [:]

    init(wrapping base: Module, path: String) throws {
        try super.init(wrapping: base, path: path, typeName: "vblora.Linear", method: "VB-LoRA", parameterDicts: Self.logitsNames, acceptsConv1D: true)
        register(AdapterParameterDict(), as: VBLoRAConfig.bankName)
    }

    /// Adds the adapter `name`: its logits and the adapter's shared bank.
    func add(_ name: String, bank: Parameter, logitsA: Tensor, logitsB: Tensor, settings: VBLoRASettings) {
        for (dict, value) in zip(Self.logitsNames, [logitsA, logitsB]) { child(dict)!.register(Parameter(value), as: name) }
        child(VBLoRAConfig.bankName)!.register(bank, as: name)
        addAdapterName(name)
        self.settings[name] = settings
    }

    override func forgetAdapter(_ name: String) {
        settings[name] = nil
        removeEntries(of: name, from: [VBLoRAConfig.bankName])
    }

    private func tensor(_ dict: String, _ adapter: String) throws -> Tensor {
        guard let parameter = child(dict)?.parameter(adapter) else { throw TunerError.unknownAdapter(adapter, available: adapterNames) }
        return try parameter.value()
    }

    /// PEFT's `_get_lora_matrices`: `A [r, in]` and `B [out, r]` of `adapter`, recorded for gradients;
    /// each row of the logits becomes the top-k mix of bank vectors (`_get_low_rank_matrix`, `topKMix`).
    func lowRankMatrices(of adapter: String) throws -> (a: Tensor, b: Tensor) {
        guard let settings = settings[adapter] else { throw TunerError.unknownAdapter(adapter, available: adapterNames) }
        let logitsA = try tensor("vblora_logits_A", adapter), logitsB = try tensor("vblora_logits_B", adapter)
        let bank = try tensor(VBLoRAConfig.bankName, adapter)
        let length = bank.shape[1]
        let a = try logitsA.topKMix(bank: bank, k: settings.topk).reshaped([settings.r, inFeatures])
        let b = try logitsB.topKMix(bank: bank, k: settings.topk).reshaped([outFeatures / length, settings.r, length])
            .transposed(1, 2).reshaped([outFeatures, settings.r])
        return (a, b)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try adaptedForward(base: { try baseForward(x) }) { name, result in
            guard settings[name] != nil else { return }
            if isTraining { try refuseTopkOnlyLogits(name) }
            let (a, b) = try lowRankMatrices(of: name)
            var input = x
            if isTraining, settings[name]!.dropout > 0 { input = try x.dropout(probability: settings[name]!.dropout, generator: &settings[name]!.generator) }
            try Tensor.addLinear(input.linear(weight: a), weight: b, to: &result)
        }
    }

    /// PEFT's check before training: logits rebuilt from a `save_only_topk_weights` file are -inf
    /// outside each row's top-k (it looks at the first row, as PEFT does).
    private func refuseTopkOnlyLogits(_ adapter: String) throws {
        let logits = try tensor("vblora_logits_A", adapter)
        let firstRow = logits.shape.last ?? 0
        let infinite = logits.withUnsafeBufferPointer { $0.prefix(firstRow).contains { $0.isInfinite } }
        guard !infinite else {
            throw TunerError.invalidState("the VB-LoRA adapter \(adapter) was saved with save_only_topk_weights: true, which keeps only each row's top-k weights (its other logits are -inf), so it serves inference and merging only and cannot be trained (PEFT refuses too); train from an adapter saved with save_only_topk_weights: false")
        }
    }

    /// PEFT's `get_delta_weight`: `B A` (no scaling), in the base weight's layout.
    public override func deltaWeight(of adapter: String) throws -> Tensor {
        try require(adapter)
        return try GradMode.withoutGradients {
            let (a, b) = try lowRankMatrices(of: adapter)
            let delta = try b.matmul(a)
            return layout == .inOut ? try delta.transposed() : delta
        }
    }
}
