import JSON
import Foundation

/// The hyper-parameters of a LLaMA-like decoder (`DecoderFamily`), read from `config.json` with
/// the defaults of that family's transformers config class.
public struct DecoderConfig {
    /// The `layer_types` values: plain causal attention, and causal attention within `sliding_window`.
    public static let fullAttention = "full_attention", slidingAttention = "sliding_attention"

    /// Which family's switches apply.

    public var family: DecoderFamily
    public var vocabularySize, width, intermediate, layers, heads, keyValueHeads, headDim, maxPositions: Int
    public var rmsNormEps: Float
    public var activation: String
    public var tieWordEmbeddings: Bool
    /// Biases on q, k and v (Qwen2 always; `attention_bias` for LLaMA, Qwen3 and Gemma 3), on o
    /// (`attention_bias` for those three) and on the MLP projections (LLaMA's `mlp_bias`); the
    /// other families' classes have none.
    public var qkvBias, outputBias, mlpBias: Bool
    public var initializerRange: Float
    /// Dropout after attention and after the MLP (Phi-3's `resid_pdrop`).
    public var residualDropout: Float
    /// Per layer: `full_attention` or `sliding_attention`.
    public var layerTypes: [String]
    /// The window of `sliding_attention` layers.
    public var slidingWindow: Int?
    /// The rotary embedding of each layer type that occurs.
    public var rotary: [String: RotaryParameters]
    /// The attention score scale: `query_pre_attn_scalar^-0.5` (Gemma), otherwise `head_dim^-0.5`.
    public var attentionScale: Float

    public init(_ c: ConfigReader, family: DecoderFamily) throws {
        self.family = family
        let defaults = Self.defaults(family)
        vocabularySize = try c.size("vocab_size", default: defaults.vocabulary)
        width = try c.size("hidden_size", default: defaults.width)
        intermediate = try c.size("intermediate_size", default: defaults.intermediate)
        layers = try c.size("num_hidden_layers", default: 32, minimum: 0, limit: ConfigReader.layerLimit)
        heads = try c.size("num_attention_heads", default: defaults.heads)
        keyValueHeads = try c.optionalSize("num_key_value_heads") ?? defaults.keyValueHeads ?? heads
        guard heads % keyValueHeads == 0 else {
            throw ModelError.invalidConfig(path: c.path, reason: "num_attention_heads (\(heads)) must be a positive multiple of num_key_value_heads (\(keyValueHeads))")
        }
        headDim = try c.optionalSize("head_dim") ?? defaults.headDim ?? width / heads
        guard headDim > 0, heads * headDim <= ConfigReader.sizeLimit else {
            throw ModelError.invalidConfig(path: c.path, reason: "head_dim (\(headDim)) × num_attention_heads (\(heads)) must be between 1 and \(ConfigReader.sizeLimit)")
        }
        maxPositions = try c.size("max_position_embeddings", default: defaults.maxPositions, limit: Int(Int32.max))
        rmsNormEps = Float(try c.double("rms_norm_eps", default: family == .phi3 ? 1e-5 : 1e-6))
        activation = try c.string(family.isGemma ? "hidden_activation" : "hidden_act",
                                  default: try c.string("hidden_act", default: family.isGemma ? "gelu_pytorch_tanh" : "silu"))
        tieWordEmbeddings = try c.bool("tie_word_embeddings", default: family.isGemma)
        let attentionBias = try [.llama, .qwen3, .gemma3].contains(family) && c.bool("attention_bias", default: false)
        qkvBias = family == .qwen2 || attentionBias
        outputBias = attentionBias
        mlpBias = try family == .llama && c.bool("mlp_bias", default: false)
        initializerRange = Float(try c.double("initializer_range", default: 0.02))
        residualDropout = Float(try c.double("resid_pdrop", default: 0))
        (layerTypes, slidingWindow) = try Self.attentionLayout(c, family: family, layers: layers)
        rotary = try Self.rotary(c, family: family, headDim: headDim, layerTypes: Set(layerTypes))
        let scoreScalar = family.isGemma ? try c.double("query_pre_attn_scalar", default: 256) : Double(headDim)
        guard scoreScalar > 0 else { throw ModelError.invalidConfig(path: c.path, reason: "query_pre_attn_scalar must be positive") }
        attentionScale = Float(1 / scoreScalar.squareRoot())
        if family.isGemma {
            for key in ["attn_logit_softcapping", "final_logit_softcapping"] where try c.optionalDouble(key) != nil {
                throw ModelError.invalidConfig(path: c.path, reason: "\(key) is not supported (Gemma 3 has none; set it to null)")
            }
            if try c.bool("use_bidirectional_attention", default: false) {
                throw ModelError.invalidConfig(path: c.path, reason: "use_bidirectional_attention is not supported; only causal Gemma 3 is")
            }
        }
    }

    /// What a family's config class assumes for a key its `config.json` leaves out.
    private static func defaults(_ family: DecoderFamily) -> (vocabulary: Int, width: Int, intermediate: Int, heads: Int,
                                                               keyValueHeads: Int?, headDim: Int?, maxPositions: Int) {
        switch family {
        case .llama: return (32000, 4096, 11008, 32, nil, nil, 2048)
        case .qwen2: return (151_936, 4096, 22016, 32, 32, nil, 32768)
        case .qwen3: return (151_936, 4096, 22016, 32, 32, 128, 32768)
        case .mistral: return (32000, 4096, 14336, 32, 8, nil, 131_072)
        case .gemma3: return (262_208, 2304, 9216, 8, 4, 256, 131_072)
        case .phi3: return (32064, 3072, 8192, 32, nil, nil, 4096)
        }
    }

    /// Each layer's attention type and the sliding window, as each family's config decides them:
    /// Mistral and Phi-3 slide on every layer when `sliding_window` is set; Qwen2/Qwen3 only with
    /// `use_sliding_window`, on the layers `layer_types` (else `max_window_layers`) names; Gemma 3
    /// by `layer_types` (else every `sliding_window_pattern`-th layer is full).
    private static func attentionLayout(_ c: ConfigReader, family: DecoderFamily, layers: Int) throws -> ([String], Int?) {
        var window: Int?
        var types: [String]
        switch family {
        case .llama:
            return (Array(repeating: fullAttention, count: layers), nil)
        case .mistral, .phi3:
            window = c.values.keys.contains("sliding_window") ? try c.optionalInt("sliding_window") : (family == .mistral ? 4096 : nil)
            types = Array(repeating: window == nil ? fullAttention : slidingAttention, count: layers)
        case .qwen2, .qwen3:
            let configured = c.values.keys.contains("sliding_window") ? try c.optionalInt("sliding_window") : 4096
            window = try c.bool("use_sliding_window", default: false) ? configured : nil
            let firstSliding = try c.int("max_window_layers", default: 28)
            types = try c.optionalStrings("layer_types")
                ?? (0 ..< layers).map { window != nil && $0 >= firstSliding ? slidingAttention : fullAttention }
        case .gemma3:
            window = c.values.keys.contains("sliding_window") ? try c.optionalInt("sliding_window") : 4096
            let pattern = try c.int("sliding_window_pattern", default: 6)
            guard pattern > 0 else { throw ModelError.invalidConfig(path: c.path, reason: "sliding_window_pattern must be positive") }
            types = try c.optionalStrings("layer_types") ?? (0 ..< layers).map { ($0 + 1) % pattern != 0 ? slidingAttention : fullAttention }
        }
        guard types.count == layers, types.allSatisfy({ $0 == fullAttention || $0 == slidingAttention }) else {
            throw ModelError.invalidConfig(path: c.path, reason: "layer_types must list \(layers) entries, each full_attention or sliding_attention")
        }
        if let window, window < 1 { throw ModelError.invalidConfig(path: c.path, reason: "sliding_window must be at least 1, got \(window)") }
        return (types, window)
    }

    /// The rotary embedding per layer type: one for every layer, or (Gemma 3, or `rope_parameters`
    /// keyed by layer type) one per type. Gemma 3 defaults θ to 1e6 on full layers and to
    /// `rope_local_base_freq` (10000) on sliding ones, and applies a legacy `rope_scaling` to the full ones.
    private static func rotary(_ c: ConfigReader, family: DecoderFamily, headDim: Int, layerTypes: Set<String>) throws -> [String: RotaryParameters] {
        let legacy = c.nested("rope_scaling").flatMap { $0.values.isEmpty ? nil : $0 }  // transformers: `rope_scaling or rope_parameters`
        let parameters = c.nested("rope_parameters")
        let nestedKeys = Set(parameters?.values.keys.filter { layerTypes.contains($0) } ?? [])
        guard family.isGemma || !nestedKeys.isEmpty else {
            let rope = legacy ?? parameters
            let one = try RotaryParameters.read(rope, config: c, headDim: headDim, defaultTheta: 10000, nested: false)
            return Dictionary(uniqueKeysWithValues: layerTypes.map { ($0, one) })
        }
        var result: [String: RotaryParameters] = [:]
        for type in layerTypes {
            var rope = parameters?.nested(type)?.values ?? [:]
            if family.isGemma, type == fullAttention, let legacy { rope.merge(legacy.values) { $1 } }
            var theta = 10000.0
            if family.isGemma {
                theta = type == fullAttention ? try c.double("rope_theta", default: 1e6) : try c.double("rope_local_base_freq", default: 10000)
            }
            if rope["rope_theta"]?.isNull ?? true { rope["rope_theta"] = .double(theta) }
            result[type] = try RotaryParameters.read(ConfigReader(values: rope, path: "\(c.path) (rope_parameters.\(type))"), config: c,
                                                     headDim: headDim, defaultTheta: theta, nested: true)
        }
        return result
    }
}
