import Models
import Tensors

/// Creates LoRA adapters on target modules, as PEFT's `LoraModel._create_and_replace`: a new adapter
/// on an existing LoRA layer, or a new LoRA layer around a Linear, Conv1D or Embedding.
enum LoraLayerFactory {
    /// Adds adapter `name` for the module at `key` (currently `target`). Returns the new wrapper
    /// when `target` was not a LoRA layer yet (the caller puts it in the tree), else nil.
    /// `config.fanInFanOut` is set to what the layer needs, as PEFT does (with a warning there).
    static func addAdapter(_ name: String, to target: Module, key: String, config: inout LoraConfig,
                           generator: inout RandomGenerator) throws -> (any AdapterLayer)? {
        let (r, alpha) = try config.rankAndAlpha(for: key)
        guard r > 0 else { throw TunerError.invalidValue(field: "rank_pattern", reason: "`r` should be a positive integer value but the value passed is \(r) (for \(key))") }
        let scaling = config.scaling(r: r, alpha: alpha)
        let dropout = Dropout(probability: Float(config.loraDropout), seed: generator.next())
        let embedding = (target as? LoraEmbedding)?.baseLayer as? Embedding ?? target as? Embedding
        if let embedding {
            if config.useDora { throw TunerError.notYetSupported("DoRA on an Embedding layer (\(key)); leave it out of target_modules or set use_dora=false") }
            if config.loraBias { throw TunerError.invalidValue(field: "lora_bias", reason: "lora_bias=True is not supported for Embedding layers (\(key))") }
            if case .loftq = config.initLoraWeights { throw TunerError.unsupportedModule(name: key, reason: "init_lora_weights=\"loftq\" is not supported on an Embedding layer (PEFT's Embedding loftq_init fails); leave it out of target_modules") }
            let layer = target as? LoraEmbedding ?? LoraEmbedding(wrapping: embedding, path: key)
            let (a, b) = config.initLoraWeights.embeddingWeights(r: r, count: embedding.count, dimension: embedding.dimension, generator: &generator)
            layer.add(name, a: a, b: b, scaling: scaling, dropout: dropout)
            return layer === target ? nil : layer
        }
        let typeName = config.wrapsParameter(ofModule: key) ? LoraConfig.parameterWrapperTypeName : "lora.Linear"
        let layer = try target as? LoraLinear ?? LoraLinear(wrapping: target, path: key, typeName: typeName)
        config.fanInFanOut = layer.layout == .inOut
        let start = try config.linearStarts?.take(key)
            ?? config.initLoraWeights.linearWeights(initializationInput(layer, key: key, r: r, scaling: scaling), generator: &generator)
        if let residual = start.residual { try layer.replaceBaseWeight(outIn: residual) }
        let adapterA = try LoraAdapter.linear(start.a, bias: nil)
        let adapterB = try LoraAdapter.linear(start.b, bias: config.loraBias ? Tensor.zeros([layer.outFeatures]) : nil)
        var adapter = LoraAdapter(r: r, alpha: alpha, scaling: scaling, a: adapterA, b: adapterB, dropout: dropout, magnitude: nil)
        if config.useDora {
            adapter = LoraAdapter(r: r, alpha: alpha, scaling: scaling, a: adapterA, b: adapterB, dropout: dropout,
                                  magnitude: DoraMagnitude(try layer.doraWeightNorm(adapter)))
        }
        layer.add(name, adapter: adapter, dropout: dropout)
        return layer === target ? nil : layer
    }

    /// What the init of an adapter of rank `r` and `scaling` on `layer` (the module at `key`) reads.
    static func initializationInput(_ layer: LoraLinear, key: String, r: Int, scaling: Double) -> LinearInitializationInput {
        LinearInitializationInput(module: key, r: r, scaling: scaling, inFeatures: layer.inFeatures, outFeatures: layer.outFeatures,
                                  layout: layer.layout, weight: layer.outInWeight)
    }
}
