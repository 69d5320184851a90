extension PeftMethod {
    /// PEFT's VB-LoRA (`tuners/vblora`): every layer's low-rank factors are top-k mixes of one vector
    /// bank shared by the whole adapter.
    public static let vblora = PeftMethod(.vblora, fields: VBLoRAConfig.fields, defaultConfig: { VBLoRAConfig() }) { json, _ in
        try VBLoRAConfig(json: json)
    }
}

extension VBLoRAConfig {
    /// VB-LoRA's fields as a form shows them.
    static let fields: [PeftConfigField] = [
        .init("r", "rank of each layer's update"),
        .init("num_vectors", "vectors in the bank the adapter's layers share"),
        .init("vector_length", "length of each bank vector; must divide every wrapped layer's sizes"),
        .init("topk", "bank vectors each sub-vector mixes (softmax of its top-k logits)"),
        .init("save_only_topk_weights", "save only the top-k indices and weights: smaller, for inference and merging only"),
        .init("vblora_dropout", "while training, drop input elements with this probability"),
        .init("init_vector_bank_bound", "the bank starts uniform in ±this"),
        .init("init_logits_std", "the logits start normal with this standard deviation"),
        .init("bias", "none, all or vblora_only: which base biases train"),
        .init("fan_in_fan_out", "true when the layer stores its weight as in × out (GPT-2's Conv1D)"),
        .targetModules, .excludeModules, .modulesToSave, .layersToTransform, .layersPattern, .taskType,
    ]
}
