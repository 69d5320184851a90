import Models

extension PeftModel {
    /// `get_peft_model(model, config)` followed by the calibration its init needs, as PEFT's
    /// documented flows run it: EVA's `initialize_lora_eva_weights` on the new model, CorDA's
    /// `preprocess_corda` and LoRA-GA's `preprocess_loraga` on the base before the adapter is made.
    /// Other inits ignore `calibration`.
    /// CorDA needs no calibration when its `cache_file` or `covariance_file` already exists.
    /// - Throws: when the init needs calibration and none (or an empty one) was given, or
    ///   `CalibrationStopped` when the pass was asked to stop (the model is then unchanged).
    public static func initialized(model: any PretrainedModel, config: any PeftConfig, calibration: Calibration?, seed: UInt64 = 0) throws -> PeftModel {
        guard var lora = config as? LoraConfig, lora.initLoraWeights.needsCalibration else {
            return try PeftModel(model: model, config: config, seed: seed)
        }
        try lora.validate()
        try lora.writeFullDataDrivenConfig()
        let calibration = calibration ?? Calibration(batches: [])
        if calibration.batches.isEmpty, try !(lora.initLoraWeights == .corda && CordaInitialization.hasStoredResults(lora.cordaConfig())) {
            throw TunerError.invalidValue(field: "init_lora_weights", reason: "\(lora.initLoraWeights.configText) computes the adapter from calibration data, and none was given; pass --data FILE (any dataset `lorakit train` reads)")
        }
        switch lora.initLoraWeights {
        case .eva: return try EvaInitialization.model(model, config: lora, calibration: calibration, seed: seed)
        case .corda: return try CordaInitialization.model(model, config: lora, calibration: calibration, seed: seed)
        case .loraGA: return try LoraGAInitialization.model(model, config: lora, calibration: calibration, seed: seed)
        case .kaimingUniform, .gaussian, .random, .pissa, .olora, .orthogonal, .loftq:
            return try PeftModel(model: model, config: lora, seed: seed)
        }
    }
}
