import Models
import Tensors

extension AdaLoraConfig {
    /// PEFT's `AdaLoraModel._create_and_replace`: an adapter of rank `init_r` (neither `rank_pattern`
    /// nor `alpha_pattern` apply here) on a Linear or Conv1D. With `init_lora_weights` true (or
    /// `"gaussian"`) E starts at zero and A, B normal with std 0.02; with false all three are
    /// standard normal.
    public mutating func addAdapter(_ name: String, to target: Module, key: String, generator: inout RandomGenerator) throws -> (any AdapterLayer)? {
        let layer = try target as? AdaLoraLinear ?? AdaLoraLinear(wrapping: target, path: key)
        lora.fanInFanOut = layer.layout == .inOut
        let r = initR
        let triplet: AdaLoraTriplet
        let dropout = Dropout(probability: Float(lora.loraDropout), seed: generator.next())
        if lora.initLoraWeights == .random {
            triplet = AdaLoraTriplet(a: Tensor.normal([r, layer.inFeatures], generator: &generator), e: Tensor.normal([r, 1], generator: &generator),
                                     b: Tensor.normal([layer.outFeatures, r], generator: &generator),
                                     ranknum: Float(r), scaling: Float(scaling(rank: r)), dropout: dropout)
        } else {
            triplet = AdaLoraTriplet(a: Tensor.normal([r, layer.inFeatures], std: 0.02, generator: &generator), e: Tensor.zeros([r, 1]),
                                     b: Tensor.normal([layer.outFeatures, r], std: 0.02, generator: &generator),
                                     ranknum: Float(r), scaling: Float(scaling(rank: r)), dropout: dropout)
        }
        layer.add(name, triplet)
        return layer === target ? nil : layer
    }

    /// PEFT's `resize_state_dict_by_rank_pattern`: with a `rank_pattern`, only the kept rows of each
    /// module's `lora_A` and `lora_E` and columns of its `lora_B` are saved (a tensor already of the
    /// kept size is saved as it is).
    public func savedTensors(_ live: [String: Tensor], adapter: String) throws -> [String: SafeTensorsValue] {
        guard let rankPattern else { return live.mapValues { .float32($0) } }
        var saved = live
        for (module, keep) in rankPattern.masks(adapter: adapter) {
            let prefix = AdapterFiles.keyPrefix + module + "."
            for name in ["lora_A", "lora_E", "lora_B"] {
                guard let tensor = live[prefix + name] else {
                    throw TunerError.invalidState("rank_pattern names \(module), which holds no AdaLoRA adapter \(adapter)")
                }
                let isB = name == "lora_B"
                let ranks = tensor.shape[isB ? 1 : 0], kept = keep.filter { $0 }.count
                guard kept != ranks else { continue }
                guard keep.count == ranks else {
                    throw TunerError.invalidState("rank_pattern lists \(keep.count) ranks for \(module), which has \(ranks)")
                }
                saved[prefix + name] = isB ? tensor.selectingColumns(keep) : tensor.selectingRows(keep)
            }
        }
        return saved.mapValues { .float32($0) }
    }

    /// PEFT's `resize_modules_by_rank_pattern`: before a saved adapter is loaded, each module named in
    /// `rank_pattern` keeps only its kept ranks, so its tensors take the saved (shrunk) shapes.
    /// `ranknum` keeps its value, so the output is unchanged.
    public func prepareForLoading(_ layers: [(name: String, layer: any AdapterLayer)], adapter: String) throws {
        guard let rankPattern else { return }
        for (module, keep) in rankPattern.masks(adapter: adapter) {
            guard let layer = layers.first(where: { $0.name == module })?.layer as? AdaLoraLinear, let triplet = layer.triplet(adapter) else {
                throw TunerError.adapterMismatch(path: module, reason: "rank_pattern names \(module), but the model has no AdaLoRA adapter \(adapter) there")
            }
            guard keep.count == triplet.rank else {
                throw TunerError.adapterMismatch(path: module, reason: "rank_pattern lists \(keep.count) ranks but the adapter has \(triplet.rank) (init_r)")
            }
            let kept = keep.filter { $0 }.count
            layer.add(adapter, try triplet.keeping(keep, scaling: Float(scaling(rank: kept))))
        }
    }
}
