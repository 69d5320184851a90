import Tensors

/// LLaMA's hyper-parameters (also Qwen2's, which adds q/k/v biases), read from `config.json` with
/// transformers' defaults. The rotary base comes from `rope_parameters.rope_theta` (transformers 5)
/// or `rope_theta`; only the default rotary type is supported.
public struct LlamaConfig {
    public var vocabularySize, width, intermediate, layers, heads, keyValueHeads, headDim, maxPositions: Int
    public var rmsNormEps: Float
    public var ropeTheta: Double
    public var activation: String
    public var tieWordEmbeddings, attentionBias, mlpBias: Bool
    /// Qwen2: biases on q, k and v (not o).
    public var qkvBias: Bool
    public var initializerRange: Float

    public init(_ c: ConfigReader, qwen2: Bool) throws {
        vocabularySize = try c.int("vocab_size", default: qwen2 ? 151_936 : 32000)
        width = try c.int("hidden_size", default: 4096)
        intermediate = try c.int("intermediate_size", default: qwen2 ? 22016 : 11008)
        layers = try c.int("num_hidden_layers", default: 32)
        heads = try c.int("num_attention_heads", default: 32)
        keyValueHeads = try c.int("num_key_value_heads", default: heads)
        guard heads > 0, keyValueHeads > 0, heads % keyValueHeads == 0 else {
            throw ModelError.invalidConfig(path: c.path, reason: "num_attention_heads (\(heads)) must be a multiple of num_key_value_heads (\(keyValueHeads))")
        }
        headDim = try c.optionalInt("head_dim") ?? width / heads
        maxPositions = try c.int("max_position_embeddings", default: 2048)
        rmsNormEps = Float(try c.double("rms_norm_eps", default: 1e-6))
        let rope = c.nested("rope_parameters") ?? c.nested("rope_scaling")
        ropeTheta = try rope?.double("rope_theta", default: try c.double("rope_theta", default: 10000)) ?? c.double("rope_theta", default: 10000)
        let ropeType = try rope?.string("rope_type", default: rope?.string("type", default: "default")) ?? "default"
        guard ropeType == "default" else {
            throw ModelError.invalidConfig(path: c.path, reason: "rotary scaling \"\(ropeType)\" is not supported; only the default rotary embedding is")
        }
        activation = try c.string("hidden_act", default: "silu")
        tieWordEmbeddings = try c.bool("tie_word_embeddings", default: false)
        attentionBias = try c.bool("attention_bias", default: false)
        mlpBias = try c.bool("mlp_bias", default: false)
        qkvBias = qwen2 || attentionBias
        initializerRange = Float(try c.double("initializer_range", default: 0.02))
    }
}

/// `LlamaForCausalLM` / `LlamaModel`, and Qwen2's `Qwen2ForCausalLM` / `Qwen2Model`: RMSNorm,
/// rotary embeddings, grouped-query attention and a SwiGLU MLP.
public final class LlamaModel: Module, PretrainedModel {
    public let config: LlamaConfig
    public let architecture: String
    public let modelType: String
    public let task: ModelTask
    public var vocabularySize: Int { config.vocabularySize }
    public var outputLayerNames: [String] { task == .causalLM ? ["lm_head"] : [] }
    private let prefix: String

    public init(config: LlamaConfig, architecture: String, modelType: String, withLMHead: Bool,
                factory: ParameterFactory, configPath: String) throws {
        self.config = config
        self.architecture = architecture
        self.modelType = modelType
        self.task = withLMHead ? .causalLM : .featureExtraction
        self.prefix = withLMHead ? "model" : ""
        let family = modelType == "qwen2" ? "Qwen2" : "Llama"
        let body = Module(kind: .container, typeName: "\(family)Model")
        let embed = Embedding(count: config.vocabularySize, dimension: config.width, factory: factory)
        body.register(embed, as: "embed_tokens")
        body.register(ModuleList(try (0 ..< config.layers).map { _ in
            try LlamaDecoderLayer(config, family: family, factory: factory, configPath: configPath)
        }), as: "layers")
        body.register(RMSNorm(dimension: config.width, eps: config.rmsNormEps, factory: factory), as: "norm")
        body.register(Module(kind: .container, typeName: "\(family)RotaryEmbedding"), as: "rotary_emb")
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
        let x = try (root.child("embed_tokens") as! any TokenLayer).forward(ids: input.ids, shape: [input.batch, input.length])
        let context = AttentionContext(
            batch: input.batch, length: input.length,
            mask: AttentionMask(causal: true, keyPadding: try input.keyPadding(keyLength: past + input.length)),
            rotary: try RotaryTable(dimension: config.headDim, theta: config.ropeTheta, positions: past ..< past + input.length),
            cache: cache)
        return try DecoderStack.run(x, model: self, root: root, blocks: "layers", finalNorm: "norm", hasHead: task == .causalLM,
                                    context: context, collectHiddenStates: collectHiddenStates)
    }
}

/// `LlamaDecoderLayer`: pre-norm attention and MLP with residual connections.
final class LlamaDecoderLayer: Module, DecoderBlock {
    private let config: LlamaConfig

    init(_ config: LlamaConfig, family: String, factory: ParameterFactory, configPath: String) throws {
        self.config = config
        super.init(kind: .container, typeName: "\(family)DecoderLayer")
        let (w, hd) = (config.width, config.headDim)
        let attention = Module(kind: .container, typeName: "\(family)Attention")
        attention.register(Linear(inFeatures: w, outFeatures: config.heads * hd, bias: config.qkvBias, factory: factory), as: "q_proj")
        attention.register(Linear(inFeatures: w, outFeatures: config.keyValueHeads * hd, bias: config.qkvBias, factory: factory), as: "k_proj")
        attention.register(Linear(inFeatures: w, outFeatures: config.keyValueHeads * hd, bias: config.qkvBias, factory: factory), as: "v_proj")
        attention.register(Linear(inFeatures: config.heads * hd, outFeatures: w, bias: config.attentionBias, factory: factory), as: "o_proj")
        register(attention, as: "self_attn")
        let mlp = Module(kind: .container, typeName: "\(family)MLP")
        mlp.register(Linear(inFeatures: w, outFeatures: config.intermediate, bias: config.mlpBias, factory: factory), as: "gate_proj")
        mlp.register(Linear(inFeatures: w, outFeatures: config.intermediate, bias: config.mlpBias, factory: factory), as: "up_proj")
        mlp.register(Linear(inFeatures: config.intermediate, outFeatures: w, bias: config.mlpBias, factory: factory), as: "down_proj")
        mlp.register(try Activation(named: config.activation, configPath: configPath), as: "act_fn")
        register(mlp, as: "mlp")
        register(RMSNorm(dimension: w, eps: config.rmsNormEps, factory: factory), as: "input_layernorm")
        register(RMSNorm(dimension: w, eps: config.rmsNormEps, factory: factory), as: "post_attention_layernorm")
    }

    func forward(_ x: Tensor, layerIndex: Int, context: AttentionContext) throws -> Tensor {
        let attention = child("self_attn")!, mlp = child("mlp")!
        let (b, t, hd) = (context.batch, context.length, config.headDim)
        let normed = try layer("input_layernorm").forward(x)
        func heads(_ projection: String, _ count: Int) throws -> Tensor {
            try attention.layer(projection).forward(normed).reshaped([b, t, count, hd]).permuted([0, 2, 1, 3])
        }
        let query = try heads("q_proj", config.heads).applyingRotary(context.rotary!)
        var key = try heads("k_proj", config.keyValueHeads).applyingRotary(context.rotary!)
        var value = try heads("v_proj", config.keyValueHeads)
        if let cache = context.cache { (key, value) = try cache.extend(layer: layerIndex, key: key, value: value) }
        let attended = try Tensor.scaledDotProductAttention(query: query, key: key, value: value, mask: context.mask)
        let merged = try attended.permuted([0, 2, 1, 3]).reshaped([b, t, config.heads * hd])
        let h = try x + attention.layer("o_proj").forward(merged)
        let m = try layer("post_attention_layernorm").forward(h)
        let act = mlp.layer("act_fn")
        let gate = try mlp.layer("gate_proj").forward(m), up = try mlp.layer("up_proj").forward(m)
        let gated = try (act as? Activation)?.function == .silu ? Tensor.swiglu(gate: gate, up: up) : act.forward(gate) * up
        return try h + mlp.layer("down_proj").forward(gated)
    }
}
