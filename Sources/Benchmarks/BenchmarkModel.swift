import Foundation
import Models
import Tensors
import Tuners

/// The model shapes the speed comparisons use: a GPT-2- or LLaMA-shaped model with random weights
/// (built from a config, as transformers' `from_config`), and an adapter (LoRA unless `method` says
/// otherwise) on the usual targets.
public struct BenchmarkModel: Sendable {
    public enum Architecture: String, Sendable, CaseIterable {
        case gpt2, llama
    }

    public var architecture: Architecture
    public var layers: Int
    public var width: Int
    /// Attention heads (default: width / 64).
    public var heads: Int?
    /// LLaMA's MLP width (default: 8/3 · width rounded to 64, as LLaMA does).
    public var intermediate: Int?
    public var vocabulary = 8192
    public var sequence: Int
    public var rank = 16
    public var alpha = 32
    /// The PEFT method the adapter uses.
    public var method = PeftMethod.lora
    /// Key/value heads for grouped-query attention (LLaMA; default: as many as the heads).
    public var keyValueHeads: Int?
    /// The adapter on every linear layer but the head (PEFT's `all-linear`) instead of the usual targets.
    public var allLinear = false
    /// How the frozen base weights are stored.
    public var storage = BaseStorage.float32
    /// LoRA with DoRA's magnitude vector (`use_dora`); LoRA only.
    public var useDora = false

    public init(architecture: Architecture, layers: Int, width: Int, sequence: Int, heads: Int? = nil, intermediate: Int? = nil) {
        self.architecture = architecture
        self.layers = layers
        self.width = width
        self.sequence = sequence
        self.heads = heads
        self.intermediate = intermediate
    }

    /// The modules LoRA adapts: GPT-2's `c_attn` and `c_proj`, LLaMA's attention projections.
    public var targets: [String] {
        allLinear ? ["all-linear"] : architecture == .gpt2 ? ["c_attn", "c_proj"] : ["q_proj", "k_proj", "v_proj", "o_proj"]
    }

    /// The base model, weights drawn from `seed` and stored as `storage` asks.
    public func build(seed: UInt64 = 0) throws -> any PretrainedModel {
        try ModelLoader.initialize(config: config(), seed: seed, storage: storage)
    }

    /// The model's `config.json` values.
    public func config() -> ConfigReader {
        let heads = self.heads ?? max(1, width / 64)
        let config: [String: Any]
        switch architecture {
        case .gpt2:
            config = ["model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_embd": width, "n_layer": layers, "n_head": heads,
                      "n_positions": sequence, "vocab_size": vocabulary, "resid_pdrop": 0, "embd_pdrop": 0, "attn_pdrop": 0]
        case .llama:
            let mlp = intermediate ?? ((8 * width / 3 + 63) / 64 * 64)
            config = ["model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": width, "num_hidden_layers": layers,
                      "num_attention_heads": heads, "num_key_value_heads": keyValueHeads ?? heads, "intermediate_size": mlp,
                      "max_position_embeddings": sequence, "vocab_size": vocabulary]
        }
        return ConfigReader(plain: config, path: "benchmark config")
    }

    /// The methods a benchmark adapter can use.
    public static let methods: [PeftMethod] = [.lora, .loha, .lokr, .vblora, .randlora]

    /// Makes the adapter use the method called `name`; false if it is not one of `methods`.
    public mutating func useMethod(named name: String) -> Bool {
        guard let chosen = PeftMethods.method(named: name), Self.methods.contains(chosen) else { return false }
        method = chosen
        return true
    }

    /// The adapter on the targets: rank `rank`, alpha `alpha` (under the method's key; VB-LoRA has
    /// none and keeps PEFT's bank of 256 vectors of length 256), no dropout.
    public func adapterConfig() throws -> any PeftConfig {
        var json: [String: Any] = ["peft_type": method.peftType.rawValue, "r": rank, "target_modules": allLinear ? "all-linear" as Any : targets]
        switch method.peftType {
        case .lora: (json["lora_alpha"], json["lora_dropout"], json["use_dora"]) = (alpha, 0.0, useDora)
        case .vblora: break
        case .randlora: json["randlora_alpha"] = alpha
        default: json["alpha"] = alpha
        }
        return try PeftConfigs.read(jsonData: JSONSerialization.data(withJSONObject: json), source: "benchmark \(method.name) config")
    }

    /// `batch` rows of random token ids.
    public func randomIds(batch: Int, seed: UInt64 = 1) -> [[Int]] {
        var generator = RandomGenerator(seed: seed)
        return (0 ..< batch).map { _ in (0 ..< sequence).map { _ in Int(generator.next() % UInt64(vocabulary)) } }
    }
}
