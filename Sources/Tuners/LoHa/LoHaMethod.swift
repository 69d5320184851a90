extension PeftMethod {
    /// PEFT's LoHa (`tuners/loha`): the update is the Hadamard product of two low-rank products.
    public static let loha = PeftMethod(.loha, fields: LoHaConfig.fields, defaultConfig: { LoHaConfig() }) { json, _ in
        try LoHaConfig(json: json)
    }
}

extension LoHaConfig {
    /// LoHa's fields as a form shows them.
    static let fields: [PeftConfigField] = LycorisFields.formFields(method: "LoHa")
        + [.init("init_weights", "true: w2_b starts at zero (no change at start); false: all four factors random")]
        + LycorisFields.trailingFormFields
}
