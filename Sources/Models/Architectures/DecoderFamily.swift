/// The decoder-only families built like LLaMA (rotary attention, RMSNorm, a gated MLP), each a
/// `model_type` of transformers that differs from LLaMA by a few switches.
public enum DecoderFamily: String, CaseIterable, Sendable {
    case llama, qwen2, qwen3, mistral, gemma3 = "gemma3_text", phi3

    /// The prefix of transformers' class names (`Qwen3DecoderLayer`).
    var classPrefix: String {
        switch self {
        case .llama: return "Llama"
        case .qwen2: return "Qwen2"
        case .qwen3: return "Qwen3"
        case .mistral: return "Mistral"
        case .gemma3: return "Gemma3"
        case .phi3: return "Phi3"
        }
    }

    /// The causal-LM class (`Qwen3ForCausalLM`).
    public var causalLMArchitecture: String { "\(classPrefix)ForCausalLM" }
    /// The bare model class (`Qwen3Model`, `Gemma3TextModel`), also the class of `model` inside the causal LM.
    public var bareArchitecture: String { self == .gemma3 ? "Gemma3TextModel" : "\(classPrefix)Model" }

    /// Per-head RMSNorm of queries and keys (`q_norm`, `k_norm`) before the rotary embedding.
    var normalizesQueriesAndKeys: Bool { self == .qwen3 || self == .gemma3 }
    /// Gemma's `(1 + weight)` RMSNorm, √hidden embedding scale and the two extra norms per block.
    var isGemma: Bool { self == .gemma3 }
    /// Phi-3's fused `qkv_proj` and `gate_up_proj`.
    var fusesProjections: Bool { self == .phi3 }

    /// The family whose causal-LM or bare class is `architecture`.
    init?(architecture: String) {
        guard let family = Self.allCases.first(where: { [$0.causalLMArchitecture, $0.bareArchitecture].contains(architecture) }) else { return nil }
        self = family
    }
}
