import Tensors

/// GPT-2's hyper-parameters, read from `config.json` with transformers' defaults.
public struct GPT2Config {
    public var vocabularySize, positions, width, layers, heads, inner: Int
    public var layerNormEps: Float
    public var activation: String
    public var residualDropout, embeddingDropout, attentionDropout: Float
    public var initializerRange: Float

    public init(_ c: ConfigReader) throws {
        vocabularySize = try c.size("vocab_size", default: 50257)
        positions = try c.size("n_positions", default: 1024)
        width = try c.size("n_embd", default: 768)
        layers = try c.size("n_layer", default: 12, minimum: 0, limit: ConfigReader.layerLimit)
        heads = try c.size("n_head", default: 12)
        inner = try c.optionalSize("n_inner") ?? 4 * width
        layerNormEps = Float(try c.double("layer_norm_epsilon", default: 1e-5))
        activation = try c.string("activation_function", default: "gelu_new")
        residualDropout = Float(try c.double("resid_pdrop", default: 0.1))
        embeddingDropout = Float(try c.double("embd_pdrop", default: 0.1))
        attentionDropout = Float(try c.double("attn_pdrop", default: 0.1))
        initializerRange = Float(try c.double("initializer_range", default: 0.02))
        guard heads > 0, width % heads == 0 else {
            throw ModelError.invalidConfig(path: c.path, reason: "n_embd (\(width)) must be a multiple of n_head (\(heads))")
        }
        if try c.bool("scale_attn_by_inverse_layer_idx", default: false) || c.bool("reorder_and_upcast_attn", default: false) {
            throw ModelError.invalidConfig(path: c.path, reason: "scale_attn_by_inverse_layer_idx and reorder_and_upcast_attn are not supported")
        }
    }
}

/// `GPT2LMHeadModel` (with `lm_head` tied to `transformer.wte`) or the bare `GPT2Model`.
public final class GPT2Model: Module, PretrainedModel, LayerReplicating {
    public let config: GPT2Config
    public let architecture: String
    public let modelType = "gpt2"
    public let task: ModelTask
    public var vocabularySize: Int { config.vocabularySize }
    public var outputLayerNames: [String] { task == .causalLM ? ["lm_head"] : [] }
    private let prefix: String
    /// The bare model's `h`; PEFT's `replicate_layers` does not look under `transformer`, so
    /// `GPT2LMHeadModel` has none.
    public let layerStack: LayerStack?

    public init(config: GPT2Config, withLMHead: Bool, factory: ParameterFactory, configPath: String) throws {
        self.config = config
        self.architecture = withLMHead ? "GPT2LMHeadModel" : "GPT2Model"
        self.task = withLMHead ? .causalLM : .featureExtraction
        let transformer = Module(kind: .container, typeName: "GPT2Model")
        let wte = Embedding(count: config.vocabularySize, dimension: config.width, factory: factory)
        transformer.register(wte, as: "wte")
        transformer.register(Embedding(count: config.positions, dimension: config.width, factory: factory), as: "wpe")
        transformer.register(Dropout(probability: config.embeddingDropout), as: "drop")
        transformer.register(ModuleList(try (0 ..< config.layers).map { _ in
            try GPT2Block(config, factory: factory, configPath: configPath)
        }), as: "h")
        transformer.register(LayerNorm(dimension: config.width, eps: config.layerNormEps, factory: factory), as: "ln_f")
        self.prefix = withLMHead ? "transformer" : ""
        self.layerStack = withLMHead ? nil : LayerStack(name: "h", layerCountKey: "n_layer", count: config.layers)
        super.init(kind: .container, typeName: architecture)
        if withLMHead {
            register(transformer, as: "transformer")
            register(Linear(tiedTo: wte.weight), as: "lm_head")
        } else {
            for (name, child) in transformer.children { register(child, as: name) }
        }
    }

    private var root: Module { prefix.isEmpty ? self : child(prefix)! }

    public func forward(_ input: ModelInput, cache: KVCache?, collectHiddenStates: Bool) throws -> ModelOutput {
        let past = cache?.length ?? 0
        guard past + input.length <= config.positions else {
            throw ModelError.invalidInput("\(past + input.length) positions exceed the model's n_positions (\(config.positions))")
        }
        let root = self.root
        let positions = (0 ..< input.batch).flatMap { _ in past ..< past + input.length }
        let tokens = try (root.child("wte") as! any TokenLayer).forward(ids: input.ids, shape: [input.batch, input.length])
        let placed = try (root.child("wpe") as! any TokenLayer).forward(ids: positions, shape: [input.batch, input.length])
        let x = try root.layer("drop").forward(tokens + placed)
        let context = AttentionContext(batch: input.batch, length: input.length,
                                       mask: AttentionMask(causal: true, keyPadding: try input.keyPadding(keyLength: past + input.length)),
                                       rotary: nil, cache: cache)
        return try DecoderStack.run(x, model: self, root: root, blocks: "h", finalNorm: "ln_f", hasHead: task == .causalLM,
                                    context: context, collectHiddenStates: collectHiddenStates)
    }
}

/// `GPT2Block`: pre-norm attention and MLP with residual connections.
final class GPT2Block: Module, DecoderBlock {
    init(_ config: GPT2Config, factory: ParameterFactory, configPath: String) throws {
        heads = config.heads
        super.init(kind: .container, typeName: "GPT2Block")
        register(LayerNorm(dimension: config.width, eps: config.layerNormEps, factory: factory), as: "ln_1")
        let attention = Module(kind: .container, typeName: "GPT2Attention")
        attention.register(Conv1D(inFeatures: config.width, outFeatures: 3 * config.width, factory: factory), as: "c_attn")
        attention.register(Conv1D(inFeatures: config.width, outFeatures: config.width, factory: factory), as: "c_proj")
        attention.register(Dropout(probability: config.attentionDropout), as: "attn_dropout")
        attention.register(Dropout(probability: config.residualDropout), as: "resid_dropout")
        register(attention, as: "attn")
        register(LayerNorm(dimension: config.width, eps: config.layerNormEps, factory: factory), as: "ln_2")
        let mlp = Module(kind: .container, typeName: "GPT2MLP")
        mlp.register(Conv1D(inFeatures: config.width, outFeatures: config.inner, factory: factory), as: "c_fc")
        mlp.register(Conv1D(inFeatures: config.inner, outFeatures: config.width, factory: factory), as: "c_proj")
        mlp.register(try Activation(named: config.activation, configPath: configPath), as: "act")
        mlp.register(Dropout(probability: config.residualDropout), as: "dropout")
        register(mlp, as: "mlp")
    }

    private let heads: Int

    private init(replicaOf other: GPT2Block) throws {
        heads = other.heads
        super.init(kind: other.kind, typeName: other.typeName)
        try other.registerReplicas(in: self)
    }

    override func sharingReplica() throws -> Module { try GPT2Block(replicaOf: self) }

    func forward(_ x: Tensor, layerIndex: Int, context: AttentionContext) throws -> Tensor {
        let attention = child("attn")!, mlp = child("mlp")!
        let width = x.shape[2], headDim = width / heads
        let qkv = try attention.layer("c_attn").forward(layer("ln_1").forward(x))
        let merged: Tensor
        if let cache = context.cache {
            let parts = try qkv.split(sizes: [width, width, width], axis: -1).map {
                try $0.reshaped([context.batch, context.length, heads, headDim]).permuted([0, 2, 1, 3])
            }
            let (key, value) = try cache.extend(layer: layerIndex, key: parts[1], value: parts[2])
            let attended = try Tensor.scaledDotProductAttention(query: parts[0], key: key, value: value, mask: context.mask)
            merged = try attended.permuted([0, 2, 1, 3]).reshaped([context.batch, context.length, width])
        } else {
            merged = try Tensor.scaledDotProductAttention(packedQKV: qkv, heads: heads, mask: context.mask)
        }
        let h = try x + attention.layer("resid_dropout").forward(attention.layer("c_proj").forward(merged))
        let inner = try mlp.layer("act").forward(mlp.layer("c_fc").forward(layer("ln_2").forward(h)))
        return try h + mlp.layer("dropout").forward(mlp.layer("c_proj").forward(inner))
    }
}
