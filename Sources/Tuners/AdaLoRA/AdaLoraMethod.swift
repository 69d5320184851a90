extension PeftMethod {
    /// PEFT's AdaLoRA (`tuners/adalora`): LoRA in SVD form with a rank allocator.
    public static let adalora = PeftMethod(.adalora, fields: AdaLoraConfig.fields, defaultConfig: { AdaLoraConfig(totalStep: nil) }) { json, totalStep in
        try AdaLoraConfig(json: json, totalStepIfMissing: totalStep)
    }
}

extension AdaLoraConfig {
    /// AdaLoRA's fields as a form shows them: its schedule, then LoRA's (without `r`, which AdaLoRA
    /// ignores, and DoRA, which it refuses), `rank_pattern` holding the allocator's masks.
    static let fields: [PeftConfigField] = [
        .init("init_r", "rank every module starts with"),
        .init("target_r", "average rank per module once the budget is spent"),
        .init("total_step", "the run's total steps (null: the run's max_steps)"),
        .init("tinit", "warm-up steps before ranks are pruned"),
        .init("tfinal", "final steps at the target budget, ranks fixed"),
        .init("deltaT", "steps between two budget allocations"),
        .init("beta1", "EMA factor of the importance (sensitivity)"),
        .init("beta2", "EMA factor of the importance's uncertainty"),
        .init("orth_reg_weight", "weight of the orthogonality regulariser on P and Q"),
    ] + LoraConfig.fields.filter { $0.key != "r" && $0.key != "use_dora" }.map {
        $0.key == "rank_pattern" ? .init("rank_pattern", "ranks the allocator kept: {\"module\": [true, false, ...]}, one per rank; training writes it") : $0
    }
}
