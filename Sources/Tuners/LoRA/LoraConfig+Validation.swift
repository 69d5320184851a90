import JSON

extension LoraConfig {
    /// PEFT's `LoraConfig.__post_init__` checks and `update_layer`'s rank check, plus a refusal of
    /// features lorakit does not have yet. Messages say what was wrong and what to do.
    public func validate() throws {
        guard r > 0 else { throw TunerError.invalidValue(field: "r", reason: "`r` should be a positive integer value but the value passed is \(r)") }
        for (key, rank) in rankPattern where rank <= 0 {
            throw TunerError.invalidValue(field: "rank_pattern", reason: "the rank for \(key) should be a positive integer but is \(rank)")
        }
        guard loraDropout >= 0, loraDropout < 1 else {
            throw TunerError.invalidValue(field: "lora_dropout", reason: "must be in [0, 1); got \(loraDropout)")
        }
        try targeting.validateNoLayerSelectionWithPattern()
        try targeting.validate()
        if loraBias {
            if initLoraWeights != .kaimingUniform, initLoraWeights != .random {
                throw TunerError.invalidValue(field: "lora_bias", reason: "lora_bias=True is only supported with init_lora_weights=True or False, got \(initLoraWeights.json.pythonJSONText())")
            }
            if useDora {
                throw TunerError.invalidValue(field: "lora_bias", reason: "lora_bias=True is not supported for DoRA, please pass use_dora=False")
            }
        }
        try validateModelFeatures()
        if let megatron = passiveFields.first(where: { $0.key == "megatron_config" })?.value, !megatron.isNull {
            throw TunerError.invalidValue(field: "megatron_config", reason: "Megatron's tensor-parallel layers (megatron_config, megatron_core) need Megatron-LM on a GPU cluster, which lorakit's CPU engine does not have; set megatron_config to null to train plain LoRA layers")
        }
        try validateDataDrivenConfigs()
        for (key, value) in passiveFields where !Self.isInert(key: key, value: value) {
            throw TunerError.notYetSupported("\(key) = \(value.pythonJSONText())")
        }
    }

    /// The checks of `target_parameters` (PEFT's `lora.ParamWrapper` refusals), and the refusal of
    /// the model-changing fields for LoRA's relatives, which lorakit has for LoRA only.
    private func validateModelFeatures() throws {
        if peftType != .lora {
            for (key, used) in [("layer_replication", layerReplication != nil), ("target_parameters", targetParameters?.isEmpty == false),
                                ("trainable_token_indices", trainableTokenIndices != nil)] where used {
                throw TunerError.notYetSupported("\(key) with \(peftType.rawValue) (lorakit has it for LORA adapters)")
            }
        }
        guard targetParameters?.isEmpty == false else { return }
        for (refused, setting) in [(loraDropout != 0, "lora_dropout != 0"), (fanInFanOut, "fan_in_fan_out"), (loraBias, "lora_bias=True"), (useDora, "use_dora=True")] where refused {
            throw TunerError.invalidValue(field: "target_parameters", reason: "lora.ParamWrapper does not work with \(setting); remove target_parameters (use target_modules) or change that setting")
        }
    }

    /// Whether a passive field's value leaves LoRA's computation unchanged (so lorakit may ignore it).
    private static func isInert(key: String, value: JSONValue) -> Bool {
        switch key {
        case "megatron_core", "megatron_config", "qalora_group_size", "loftq_config", "eva_config", "corda_config", "lora_ga_config":
            return true
        case "use_qalora", "ensure_weight_tying":
            if case .bool(false) = value { return true }
            return false
        default:
            return value.isNull
        }
    }
}
