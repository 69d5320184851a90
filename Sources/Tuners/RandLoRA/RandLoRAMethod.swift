extension PeftMethod {
    /// PEFT's RandLoRA (`tuners/randlora`): every layer scales its slice of one pair of frozen random
    /// bases shared by the whole adapter, training only the scales.
    public static let randlora = PeftMethod(.randlora, fields: RandLoRAConfig.fields, defaultConfig: { RandLoRAConfig() }) { json, _ in
        try RandLoRAConfig(json: json)
    }
}

extension RandLoRAConfig {
    /// RandLoRA's fields as a form shows them.
    static let fields: [PeftConfigField] = [
        .init("r", "rank of each random basis; a smaller r means more bases and more trainable parameters"),
        .init("randlora_alpha", "the update is scaled by randlora_alpha / r (PEFT's default 640)"),
        .init("randlora_dropout", "while training, drop input elements with this probability"),
        .init("sparse", "ternary bases (-1, 0, 1 with probabilities 1/6, 2/3, 1/6)"),
        .init("very_sparse", "ternary bases with nonzero probability 1/√D (D: the smallest layer side)"),
        .init("projection_prng_key", "PEFT's seed for the bases; lorakit saves its own bases instead"),
        .init("save_projection", "the bases are saved in the adapter file; lorakit needs true"),
        .init("init_weights", "true: randlora_lambda starts at zero (no change at start); false: random"),
        .init("bias", "none, all or randlora_only: which base biases train"),
        .init("fan_in_fan_out", "true when the layer stores its weight as in × out (GPT-2's Conv1D)"),
        .targetModules, .modulesToSave, .layersToTransform, .layersPattern, .taskType,
    ]
}
