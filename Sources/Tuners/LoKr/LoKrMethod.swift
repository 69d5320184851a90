extension PeftMethod {
    /// PEFT's LoKr (`tuners/lokr`): the update is the Kronecker product of two (possibly low-rank) factors.
    public static let lokr = PeftMethod(.lokr, fields: LoKrConfig.fields, defaultConfig: { LoKrConfig() }) { json, _ in
        try LoKrConfig(json: json)
    }
}

extension LoKrConfig {
    /// LoKr's fields as a form shows them.
    static let fields: [PeftConfigField] = LycorisFields.formFields(method: "LoKr") + [
        .init("decompose_both", "also factor the left Kronecker matrix w1 into w1_a · w1_b (when r < max of its sides / 2)"),
        .init("decompose_factor", "the size factorization aims for in each Kronecker split; -1: the divisors nearest √dim"),
        .init("rank_dropout_scale", "rank dropout divides the kept rows by the kept fraction"),
        .init("init_weights", "true: w1 starts at zero (no change at start); false: all random; \"lycoris\": w2 starts at zero"),
    ] + LycorisFields.trailingFormFields
}
