extension PeftMethod {
    /// PEFT's LoRA (`tuners/lora`), with rsLoRA, DoRA and `lora_bias`.
    public static let lora = PeftMethod(.lora, fields: LoraConfig.fields, defaultConfig: { LoraConfig() }) { json, _ in
        try LoraConfig(json: json)
    }
}

extension LoraConfig {
    /// LoRA's fields as a form shows them.
    static let fields: [PeftConfigField] = [
        .init("r", "rank of the update: A is r × in, B is out × r"),
        .init("lora_alpha", "the update is scaled by lora_alpha / r (lora_alpha / √r with use_rslora)"),
        .init("lora_dropout", "dropout on the adapter's input while training, in [0, 1)"),
        .targetModules, .excludeModules,
        .init("bias", "which biases train: none, all or lora_only"),
        .init("use_rslora", "rank-stabilised LoRA: scale by lora_alpha / √r"),
        .init("use_dora", "DoRA: learn a magnitude vector beside the low-rank direction update"),
        .init("init_lora_weights", "true: Kaiming A and zero B (no change at start); false: both random; \"gaussian\"; \"pissa\", \"pissa_niter_N\", \"olora\" (the base becomes the residual); \"orthogonal\"; \"loftq\" (with loftq_config; the base becomes NF4); \"lora_ga\" (with lora_ga_config and calibration data; the base becomes the residual)"),
        .init("fan_in_fan_out", "true when the layer stores its weight as in × out (GPT-2's Conv1D)"),
        .modulesToSave, .layersToTransform, .layersPattern,
        .init("rank_pattern", "per-module ranks: {\"regex\": r}, first match wins"),
        .init("alpha_pattern", "per-module alphas: {\"regex\": alpha}"),
        .init("lora_bias", "give lora_B a bias"),
        .init("target_parameters", "parameters to adapt by name (\"self_attn.q_proj.weight\"), as PEFT's ParamWrapper: a Linear's weight; no dropout, DoRA, lora_bias or fan_in_fan_out"),
        .init("trainable_token_indices", "embedding rows that train beside LoRA (PEFT's TrainableTokens): a list of token ids for the input embedding, or {\"embed_tokens\": [ids]}; only those rows are saved"),
        .init("layer_replication", "expand the layer stack before adapting it: [[start, end], ...] ranges of layers, end exclusive ([[0, 2], [1, 2]] gives layers 0, 1, 1); copies share the base weights and each gets its own adapter"),
        .init("megatron_config", "Megatron-LM's tensor-parallel layers; they need a GPU cluster, so lorakit keeps the field on a round trip and refuses anything but null"),
        .init("runtime_config", "'{\"ephemeral_gpu_offload\": false}' (quoted): GPU offloading at run time; kept, with no effect on a CPU"),
        .taskType,
    ]
}

extension PeftConfigField {
    /// The targeting and base fields every method's form has.
    static let targetModules = PeftConfigField("target_modules", "modules to adapt: names, suffixes or a regex (set with `target`); null: the model type's defaults")
    static let excludeModules = PeftConfigField("exclude_modules", "modules never adapted, even when target_modules selects them")
    static let modulesToSave = PeftConfigField("modules_to_save", "modules trained in full and saved with the adapter (a classifier head)")
    static let layersToTransform = PeftConfigField("layers_to_transform", "only these layer indices (a number or a list); null: all")
    static let layersPattern = PeftConfigField("layers_pattern", "the name of the layer list layers_to_transform counts in (layers, h)")
    static let taskType = PeftConfigField("task_type", "CAUSAL_LM, SEQ_CLS, ... (null: the loaded model's task)")
}
