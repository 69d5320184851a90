/// PEFT's `TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING` for the architectures lorakit runs:
/// the modules LoRA adapts when a config names none.
public enum DefaultTargetModules {
    static let byModelType: [String: [String]] = [
        "gpt2": ["c_attn"],
        "llama": ["q_proj", "v_proj"],
        "qwen2": ["q_proj", "v_proj"],
        "bert": ["query", "value"],
    ]

    /// The default targets for a `config.json` `model_type`, or an error asking for `target_modules`.
    public static func lora(modelType: String) throws -> TargetModules {
        guard let names = byModelType[modelType] else {
            throw TunerError.invalidValue(field: "target_modules", reason: "no default targets are known for model type \(modelType); please specify `target_modules`")
        }
        return .names(names)
    }
}
