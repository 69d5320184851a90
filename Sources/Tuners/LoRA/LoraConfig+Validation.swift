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
        if !layerReplication.isNull { throw TunerError.notYetSupported("layer_replication") }
        if !targetParameters.isNull { throw TunerError.notYetSupported("target_parameters (targeting nn.Parameter)") }
        try validateDataDrivenConfigs()
        for (key, value) in passiveFields where !Self.isInert(key: key, value: value) {
            throw TunerError.notYetSupported("\(key) = \(value.pythonJSONText())")
        }
    }

    /// Whether a passive field's value leaves LoRA's computation unchanged (so lorakit may ignore it).
    private static func isInert(key: String, value: JSONValue) -> Bool {
        switch key {
        case "megatron_core", "qalora_group_size", "loftq_config", "eva_config", "corda_config", "lora_ga_config":
            return true
        case "use_qalora", "ensure_weight_tying":
            if case .bool(false) = value { return true }
            return false
        default:
            return value.isNull
        }
    }
}
