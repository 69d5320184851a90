/// PEFT's `TRANSFORMERS_MODELS_TO_<METHOD>_TARGET_MODULES_MAPPING` for the architectures lorakit
/// runs: the modules a method adapts when a config names none (LoRA's, AdaLoRA's, LoHa's and LoKr's
/// mappings agree for these model types).
public enum DefaultTargetModules {
    static let byModelType: [String: [String]] = [
        "gpt2": ["c_attn"],
        "llama": ["q_proj", "v_proj"],
        "qwen2": ["q_proj", "v_proj"],
        "qwen3": ["q_proj", "v_proj"],
        "mistral": ["q_proj", "v_proj"],
        "gemma3_text": ["q_proj", "v_proj"],
        "bert": ["query", "value"],
        // phi3: PEFT has no entry (its fused qkv_proj needs a choice), so target_modules must be given.
    ]

    /// The default targets for a `config.json` `model_type`, or an error asking for `target_modules`.
    public static func targets(modelType: String) throws -> TargetModules {
        guard let names = byModelType[modelType] else {
            throw TunerError.invalidValue(field: "target_modules", reason: "no default targets are known for model type \(modelType); please specify `target_modules`")
        }
        return .names(names)
    }
}
