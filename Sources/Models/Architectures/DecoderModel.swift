import Tensors

/// The LLaMA-like decoders (`DecoderFamily`): `LlamaForCausalLM`, `Qwen2ForCausalLM`,
/// `Qwen3ForCausalLM`, `MistralForCausalLM`, `Gemma3ForCausalLM` and `Phi3ForCausalLM`, or their
/// bare models. RMSNorm, rotary embeddings (per layer type), grouped-query attention with full or
/// sliding-window causal masks, and a gated MLP, with each family's differences switched on by its config.
public final class DecoderModel: Module, PretrainedModel, LayerReplicating {
    public let config: DecoderConfig
    public let architecture: String
    public var modelType: String { config.family.rawValue }
    public let task: ModelTask
    public var vocabularySize: Int { config.vocabularySize }
    public var outputLayerNames: [String] { task == .causalLM ? ["lm_head"] : [] }
    private let prefix: String
    /// `model.layers` (`layers` in the bare model).
    private let layers: LayerStack
    public var layerStack: LayerStack? { layers }

    public init(config: DecoderConfig, withLMHead: Bool, factory: ParameterFactory, configPath: String) throws {
        self.config = config
        let family = config.family
        self.architecture = withLMHead ? family.causalLMArchitecture : family.bareArchitecture
        self.task = withLMHead ? .causalLM : .featureExtraction
        self.prefix = withLMHead ? "model" : ""
        self.layers = LayerStack(name: withLMHead ? "model.layers" : "layers", layerCountKey: "num_hidden_layers", count: config.layers)
        let body = Module(kind: .container, typeName: family.bareArchitecture)
        let embed = Embedding(count: config.vocabularySize, dimension: config.width, factory: factory)
        body.register(embed, as: "embed_tokens")
        body.register(ModuleList(try (0 ..< config.layers).map { index in
            try DecoderLayer(config, index: index, factory: factory, configPath: configPath)
        }), as: "layers")
        body.register(RMSNorm(dimension: config.width, eps: config.rmsNormEps, factory: factory, addsOne: family.isGemma), as: "norm")
        body.register(Module(kind: .container, typeName: "\(family.classPrefix)RotaryEmbedding"), as: "rotary_emb")
        super.init(kind: .container, typeName: architecture)
        if withLMHead {
            register(body, as: "model")
            register(config.tieWordEmbeddings ? Linear(tiedTo: embed.weight)
                : Linear(inFeatures: config.width, outFeatures: config.vocabularySize, bias: false, factory: factory), as: "lm_head")
        } else {
            for (name, child) in body.children { register(child, as: name) }
        }
    }

    public func forward(_ input: ModelInput, cache: KVCache?, collectHiddenStates: Bool) throws -> ModelOutput {
        let past = cache?.length ?? 0
        let root = prefix.isEmpty ? self : child(prefix)!
        var x = try (root.child("embed_tokens") as! any TokenLayer).forward(ids: input.ids, shape: [input.batch, input.length])
        // Gemma: √hidden as a float32 scalar (torch.tensor(hidden_size ** 0.5)).
        if config.family.isGemma { x = x.scaled(by: Float(Double(config.width).squareRoot())) }
        let padding = try input.keyPadding(keyLength: past + input.length), positions = past ..< past + input.length
        var contexts: [String: AttentionContext] = [:]
        for (type, rotary) in config.rotary {
            let window = type == DecoderConfig.slidingAttention ? config.slidingWindow : nil
            contexts[type] = AttentionContext(batch: input.batch, length: input.length,
                                              mask: AttentionMask(causal: true, keyPadding: padding, window: window),
                                              rotary: try rotary.table(positions: positions), cache: cache)
        }
        let first = AttentionContext(batch: input.batch, length: input.length, mask: AttentionMask(causal: true), rotary: nil, cache: cache)
        return try DecoderStack.run(x, model: self, root: root, blocks: "layers", finalNorm: "norm", hasHead: task == .causalLM,
                                    context: first, layerContexts: layers.sources.map { contexts[config.layerTypes[$0]]! },
                                    collectHiddenStates: collectHiddenStates)
    }
}

/// One decoder block (`LlamaDecoderLayer`, `Qwen3DecoderLayer`, ...): pre-norm attention and MLP
/// with residual connections; Gemma also norms each sub-layer's output before its residual add.
final class DecoderLayer: Module, DecoderBlock {
    private let config: DecoderConfig

    init(_ config: DecoderConfig, index: Int, factory: ParameterFactory, configPath: String) throws {
        self.config = config
        let family = config.family, name = family.classPrefix
        super.init(kind: .container, typeName: "\(name)DecoderLayer")
        let (w, hd, q, kv) = (config.width, config.headDim, config.heads * config.headDim, config.keyValueHeads * config.headDim)
        func linear(_ inWidth: Int, _ outWidth: Int, _ bias: Bool) -> Linear {
            Linear(inFeatures: inWidth, outFeatures: outWidth, bias: bias, factory: factory)
        }
        func norm(_ dimension: Int) -> RMSNorm { RMSNorm(dimension: dimension, eps: config.rmsNormEps, factory: factory, addsOne: family.isGemma) }
        let attention = Module(kind: .container, typeName: "\(name)Attention")
        let mlp = Module(kind: .container, typeName: "\(name)MLP")
        let activation = try Activation(named: config.activation, configPath: configPath)
        if family.fusesProjections {
            attention.register(linear(q, w, false), as: "o_proj")
            attention.register(linear(w, q + 2 * kv, false), as: "qkv_proj")
            mlp.register(linear(w, 2 * config.intermediate, false), as: "gate_up_proj")
            mlp.register(linear(config.intermediate, w, false), as: "down_proj")
            mlp.register(activation, as: "activation_fn")
        } else {
            attention.register(linear(w, q, config.qkvBias), as: "q_proj")
            attention.register(linear(w, kv, config.qkvBias), as: "k_proj")
            attention.register(linear(w, kv, config.qkvBias), as: "v_proj")
            attention.register(linear(q, w, config.outputBias), as: "o_proj")
            mlp.register(linear(w, config.intermediate, config.mlpBias), as: "gate_proj")
            mlp.register(linear(w, config.intermediate, config.mlpBias), as: "up_proj")
            mlp.register(linear(config.intermediate, w, config.mlpBias), as: "down_proj")
            mlp.register(activation, as: "act_fn")
        }
        if family.normalizesQueriesAndKeys {
            attention.register(norm(hd), as: "q_norm")
            attention.register(norm(hd), as: "k_norm")
        }
        register(attention, as: "self_attn")
        register(mlp, as: "mlp")
        register(norm(w), as: "input_layernorm")
        register(norm(w), as: "post_attention_layernorm")
        if family.isGemma {
            register(norm(w), as: "pre_feedforward_layernorm")
            register(norm(w), as: "post_feedforward_layernorm")
        }
        if family.fusesProjections {
            register(Dropout(probability: config.residualDropout), as: "resid_attn_dropout")
            register(Dropout(probability: config.residualDropout), as: "resid_mlp_dropout")
        }
    }

    private init(replicaOf other: DecoderLayer) throws {
        config = other.config
        super.init(kind: other.kind, typeName: other.typeName)
        try other.registerReplicas(in: self)
    }

    override func sharingReplica() throws -> Module { try DecoderLayer(replicaOf: self) }

    func forward(_ x: Tensor, layerIndex: Int, context: AttentionContext) throws -> Tensor {
        let attention = child("self_attn")!, mlp = child("mlp")!, family = config.family
        let (b, t, hd) = (context.batch, context.length, config.headDim)
        let normed = try layer("input_layernorm").forward(x)
        var projected: [Tensor]
        if family.fusesProjections {
            let kv = config.keyValueHeads * hd
            projected = try attention.layer("qkv_proj").forward(normed).split(sizes: [config.heads * hd, kv, kv], axis: -1)
        } else {
            projected = try ["q_proj", "k_proj", "v_proj"].map { try attention.layer($0).forward(normed) }
        }
        projected = try zip(projected, [config.heads, config.keyValueHeads, config.keyValueHeads]).map { try $0.reshaped([b, t, $1, hd]) }
        if family.normalizesQueriesAndKeys {
            projected[0] = try attention.layer("q_norm").forward(projected[0])
            projected[1] = try attention.layer("k_norm").forward(projected[1])
        }
        let attended: Tensor
        if let cache = context.cache {
            let (query, key, value) = try (projected[0].permuted([0, 2, 1, 3]).applyingRotary(context.rotary!),
                                           projected[1].permuted([0, 2, 1, 3]).applyingRotary(context.rotary!),
                                           projected[2].permuted([0, 2, 1, 3]))
            let (keys, values) = try cache.extend(layer: layerIndex, key: key, value: value)
            attended = try Tensor.scaledDotProductAttention(query: query, key: keys, value: values, mask: context.mask,
                                                            scale: config.attentionScale).permuted([0, 2, 1, 3]).reshaped([b, t, config.heads * hd])
        } else {
            // Heads stay inside each position ([B, T, H, D]): no permutes there and back.
            attended = try Tensor.scaledDotProductAttention(tokenMajorQuery: projected[0].applyingRotary(context.rotary!, tokenMajor: true),
                                                            key: projected[1].applyingRotary(context.rotary!, tokenMajor: true),
                                                            value: projected[2], mask: context.mask, scale: config.attentionScale)
        }
        var attentionOutput = try attention.layer("o_proj").forward(attended)
        if family.isGemma { attentionOutput = try layer("post_attention_layernorm").forward(attentionOutput) }
        if family.fusesProjections { attentionOutput = try layer("resid_attn_dropout").forward(attentionOutput) }
        let h = try x + attentionOutput
        let m = try layer(family.isGemma ? "pre_feedforward_layernorm" : "post_attention_layernorm").forward(h)
        let (gate, up): (Tensor, Tensor)
        let act: any TensorLayer
        if family.fusesProjections {
            let parts = try mlp.layer("gate_up_proj").forward(m).split(sizes: [config.intermediate, config.intermediate], axis: -1)
            (gate, up, act) = (parts[0], parts[1], mlp.layer("activation_fn"))
        } else {
            (gate, up, act) = (try mlp.layer("gate_proj").forward(m), try mlp.layer("up_proj").forward(m), mlp.layer("act_fn"))
        }
        let gated = try (act as? Activation)?.function == .silu ? Tensor.swiglu(gate: gate, up: up) : act.forward(gate) * up
        var output = try mlp.layer("down_proj").forward(gated)
        if family.isGemma { output = try layer("post_feedforward_layernorm").forward(output) }
        if family.fusesProjections { output = try layer("resid_mlp_dropout").forward(output) }
        return try h + output
    }
}
