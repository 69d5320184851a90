/// The file names and key conventions of a PEFT adapter folder.
public enum AdapterFiles {
    public static let configFileName = "adapter_config.json"
    public static let weightsFileName = "adapter_model.safetensors"
    /// Every key in `adapter_model.safetensors` starts with this (`PeftModel.base_model.model`).
    public static let keyPrefix = "base_model.model."
    /// An adapter-level shared tensor is saved once under this prefix and its name (`base_model.vblora_vector_bank`).
    public static let sharedKeyPrefix = "base_model."
    /// The adapter name PEFT saves at the top of the folder; others go in a sub-folder of their name.
    public static let defaultAdapterName = "default"

    /// PEFT's `_remove_adapter_name_from_state_dict_key`: `q_proj.lora_A.default.weight` →
    /// `q_proj.lora_A.weight`, `embed_tokens.lora_embedding_A.default` → `embed_tokens.lora_embedding_A`.
    static func removingAdapterName(_ key: String, adapter: String) -> String {
        guard key.contains(".") else { return key }
        if key.hasSuffix(".\(adapter)") { return String(key.dropLast(adapter.count + 1)) }
        var parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let last = parts.removeLast()
        if parts.last == adapter { parts.removeLast() }
        return (parts + [last]).joined(separator: ".")
    }

    /// Whether a parameter name belongs to another adapter than the one being saved (PEFT's
    /// `_filter_state_dict_for_adapter_name`).
    static func belongs(_ key: String, toAnyOf adapters: [String]) -> Bool {
        adapters.contains { key.contains(".\($0).") || key.hasSuffix(".\($0)") }
    }
}
