import JSON
import Tensors

/// BERT's hyper-parameters, read from `config.json` with transformers' defaults.
public struct BertConfig {
    public var vocabularySize, width, layers, heads, intermediate, maxPositions, typeVocabularySize, labels: Int
    public var layerNormEps: Float
    public var activation: String
    public var hiddenDropout, attentionDropout, classifierDropout: Float
    public var initializerRange: Float

    public init(_ c: ConfigReader) throws {
        vocabularySize = try c.size("vocab_size", default: 30522)
        width = try c.size("hidden_size", default: 768)
        layers = try c.size("num_hidden_layers", default: 12, minimum: 0, limit: ConfigReader.layerLimit)
        heads = try c.size("num_attention_heads", default: 12)
        intermediate = try c.size("intermediate_size", default: 3072)
        maxPositions = try c.size("max_position_embeddings", default: 512)
        typeVocabularySize = try c.size("type_vocab_size", default: 2)
        labels = try c.optionalSize("num_labels") ?? c.values["id2label"]?.members?.count ?? 2
        layerNormEps = Float(try c.double("layer_norm_eps", default: 1e-12))
        activation = try c.string("hidden_act", default: "gelu")
        hiddenDropout = Float(try c.double("hidden_dropout_prob", default: 0.1))
        attentionDropout = Float(try c.double("attention_probs_dropout_prob", default: 0.1))
        classifierDropout = Float(try c.double("classifier_dropout", default: Double(hiddenDropout)))
        initializerRange = Float(try c.double("initializer_range", default: 0.02))
        guard heads > 0, width % heads == 0 else {
            throw ModelError.invalidConfig(path: c.path, reason: "hidden_size (\(width)) must be a multiple of num_attention_heads (\(heads))")
        }
        let positionType = try c.string("position_embedding_type", default: "absolute")
        guard positionType == "absolute" else {
            throw ModelError.invalidConfig(path: c.path, reason: "position_embedding_type \"\(positionType)\" is not supported; only absolute")
        }
    }
}

/// `BertModel` (hidden states and pooled output) or `BertForSequenceClassification` (pooler,
/// dropout and a linear classifier): post-norm encoder with absolute positions and token types.
public final class BertModel: Module, PretrainedModel, LayerReplicating {
    public let config: BertConfig
    public let architecture: String
    public let modelType = "bert"
    public let task: ModelTask
    public var vocabularySize: Int { config.vocabularySize }
    public var outputLayerNames: [String] { task == .sequenceClassification ? ["classifier"] : [] }
    private let prefix: String
    /// `encoder.layer` (`bert.encoder.layer` in the classification model).
    private let layers: LayerStack
    public var layerStack: LayerStack? { layers }

    public init(config: BertConfig, forClassification: Bool, factory: ParameterFactory, configPath: String) throws {
        self.config = config
        self.architecture = forClassification ? "BertForSequenceClassification" : "BertModel"
        self.task = forClassification ? .sequenceClassification : .featureExtraction
        self.prefix = forClassification ? "bert" : ""
        self.layers = LayerStack(name: forClassification ? "bert.encoder.layer" : "encoder.layer", layerCountKey: "num_hidden_layers", count: config.layers)
        let (w, eps) = (config.width, config.layerNormEps)
        let body = Module(kind: .container, typeName: "BertModel")
        let embeddings = Module(kind: .container, typeName: "BertEmbeddings")
        embeddings.register(Embedding(count: config.vocabularySize, dimension: w, factory: factory), as: "word_embeddings")
        embeddings.register(Embedding(count: config.maxPositions, dimension: w, factory: factory), as: "position_embeddings")
        embeddings.register(Embedding(count: config.typeVocabularySize, dimension: w, factory: factory), as: "token_type_embeddings")
        embeddings.register(LayerNorm(dimension: w, eps: eps, factory: factory), as: "LayerNorm")
        embeddings.register(Dropout(probability: config.hiddenDropout), as: "dropout")
        body.register(embeddings, as: "embeddings")
        let encoder = Module(kind: .container, typeName: "BertEncoder")
        encoder.register(ModuleList(try (0 ..< config.layers).map { _ in try BertLayer(config, factory: factory, configPath: configPath) }), as: "layer")
        body.register(encoder, as: "encoder")
        let pooler = Module(kind: .container, typeName: "BertPooler")
        pooler.register(Linear(inFeatures: w, outFeatures: w, bias: true, factory: factory), as: "dense")
        pooler.register(Activation(.tanh), as: "activation")
        body.register(pooler, as: "pooler")
        super.init(kind: .container, typeName: architecture)
        if forClassification {
            register(body, as: "bert")
            register(Dropout(probability: config.classifierDropout), as: "dropout")
            register(Linear(inFeatures: w, outFeatures: config.labels, bias: true, factory: factory), as: "classifier")
        } else {
            for (name, child) in body.children { register(child, as: name) }
        }
    }

    public func forward(_ input: ModelInput, cache: KVCache?, collectHiddenStates: Bool) throws -> ModelOutput {
        guard cache == nil else { throw ModelError.invalidInput("BERT is an encoder; it does not generate with a cache") }
        guard input.length <= config.maxPositions else {
            throw ModelError.invalidInput("\(input.length) positions exceed max_position_embeddings (\(config.maxPositions))")
        }
        let root = prefix.isEmpty ? self : child(prefix)!
        let embeddings = root.child("embeddings")!, shape = [input.batch, input.length]
        func lookup(_ name: String, _ ids: [Int]) throws -> Tensor {
            try (embeddings.child(name) as! any TokenLayer).forward(ids: ids, shape: shape)
        }
        let positions = (0 ..< input.batch).flatMap { _ in 0 ..< input.length }
        let types = input.tokenTypeIds ?? [Int](repeating: 0, count: input.ids.count)
        let summed = try lookup("word_embeddings", input.ids) + lookup("token_type_embeddings", types) + lookup("position_embeddings", positions)
        var x = try embeddings.layer("dropout").forward(embeddings.layer("LayerNorm").forward(summed))
        let context = AttentionContext(batch: input.batch, length: input.length,
                                       mask: AttentionMask(causal: false, keyPadding: try input.keyPadding(keyLength: input.length)),
                                       rotary: nil, cache: nil)
        var hidden: [Tensor] = collectHiddenStates ? [x] : []
        for (_, layer) in root.child("encoder")!.child("layer")!.children {
            x = try GradientCheckpointing.run(layer, x) { try (layer as! BertLayer).forward($0, context: context) }
            if collectHiddenStates { hidden.append(x) }
        }
        var logits: Tensor?
        if task == .sequenceClassification {
            let pooler = root.child("pooler")!
            let first = try x.split(sizes: [1, input.length - 1], axis: 1)[0].reshaped([input.batch, config.width])
            let pooled = try pooler.layer("activation").forward(pooler.layer("dense").forward(first))
            logits = try layer("classifier").forward(layer("dropout").forward(pooled))
        }
        return ModelOutput(logits: logits, lastHiddenState: x, hiddenStates: hidden)
    }
}

/// `BertLayer`: self-attention and feed-forward, each followed by dropout, a residual and LayerNorm.
final class BertLayer: Module {
    private let heads: Int

    init(_ config: BertConfig, factory: ParameterFactory, configPath: String) throws {
        heads = config.heads
        super.init(kind: .container, typeName: "BertLayer")
        let (w, eps) = (config.width, config.layerNormEps)
        let attention = Module(kind: .container, typeName: "BertAttention")
        let selfAttention = Module(kind: .container, typeName: "BertSelfAttention")
        for name in ["query", "key", "value"] {
            selfAttention.register(Linear(inFeatures: w, outFeatures: w, bias: true, factory: factory), as: name)
        }
        selfAttention.register(Dropout(probability: config.attentionDropout), as: "dropout")
        attention.register(selfAttention, as: "self")
        attention.register(Self.denseNormDropout("BertSelfOutput", w, w, eps, config.hiddenDropout, factory), as: "output")
        register(attention, as: "attention")
        let intermediate = Module(kind: .container, typeName: "BertIntermediate")
        intermediate.register(Linear(inFeatures: w, outFeatures: config.intermediate, bias: true, factory: factory), as: "dense")
        intermediate.register(try Activation(named: config.activation, configPath: configPath), as: "intermediate_act_fn")
        register(intermediate, as: "intermediate")
        register(Self.denseNormDropout("BertOutput", config.intermediate, w, eps, config.hiddenDropout, factory), as: "output")
    }

    private init(replicaOf other: BertLayer) throws {
        heads = other.heads
        super.init(kind: other.kind, typeName: other.typeName)
        try other.registerReplicas(in: self)
    }

    override func sharingReplica() throws -> Module { try BertLayer(replicaOf: self) }

    /// `dense`, `LayerNorm`, `dropout`: BertSelfOutput and BertOutput.
    private static func denseNormDropout(_ typeName: String, _ inWidth: Int, _ width: Int, _ eps: Float, _ p: Float,
                                         _ factory: ParameterFactory) -> Module {
        let m = Module(kind: .container, typeName: typeName)
        m.register(Linear(inFeatures: inWidth, outFeatures: width, bias: true, factory: factory), as: "dense")
        m.register(LayerNorm(dimension: width, eps: eps, factory: factory), as: "LayerNorm")
        m.register(Dropout(probability: p), as: "dropout")
        return m
    }

    /// `LayerNorm(dropout(dense(h)) + residual)`.
    private static func addAndNorm(_ block: Module, _ h: Tensor, residual: Tensor) throws -> Tensor {
        try block.layer("LayerNorm").forward(block.layer("dropout").forward(block.layer("dense").forward(h)) + residual)
    }

    func forward(_ x: Tensor, context: AttentionContext) throws -> Tensor {
        let attention = child("attention")!, selfAttention = attention.child("self")!
        let (b, t) = (context.batch, context.length), width = x.shape[2], hd = width / heads
        func split(_ name: String) throws -> Tensor {
            try selfAttention.layer(name).forward(x).reshaped([b, t, heads, hd]).permuted([0, 2, 1, 3])
        }
        let attended = try Tensor.scaledDotProductAttention(query: split("query"), key: split("key"), value: split("value"), mask: context.mask)
        let merged = try attended.permuted([0, 2, 1, 3]).reshaped([b, t, width])
        let h = try Self.addAndNorm(attention.child("output")!, merged, residual: x)
        let inner = try child("intermediate")!.layer("intermediate_act_fn").forward(child("intermediate")!.layer("dense").forward(h))
        return try Self.addAndNorm(child("output")!, inner, residual: h)
    }
}
