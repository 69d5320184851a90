extension AdaLoraConfig {
    /// PEFT's `AdaLoraConfig.__post_init__` (after `LoraConfig`'s checks) and the rank allocator's
    /// checks of its smoothing factors, so a schedule PEFT refuses is refused before any training.
    public func validate() throws {
        try lora.validate()
        if lora.useDora { throw TunerError.invalidValue(field: "use_dora", reason: "ADALORA does not support DoRA; set use_dora to false") }
        if let loftq = lora.passiveFields.first(where: { $0.key == "loftq_config" })?.value, !(loftq.isNull || loftq.members?.isEmpty == true) {
            throw TunerError.invalidValue(field: "loftq_config", reason: "ADALORA does not support LOFTQ; remove loftq_config")
        }
        if lora.r != LoraConfig().r {
            throw TunerError.invalidValue(field: "r", reason: "`r` is not used in AdaLoRA; set the initial rank with `init_r` (and the average final rank with `target_r`) and leave `r` out")
        }
        guard initR >= 0 else { throw TunerError.invalidValue(field: "init_r", reason: "`r` should be a positive integer or 0, but the value passed is \(initR)") }
        guard targetR >= 0 else { throw TunerError.invalidValue(field: "target_r", reason: "must be 0 or more, but the value passed is \(targetR)") }
        guard let totalStep, totalStep > 0 else {
            throw TunerError.invalidValue(field: "total_step", reason: "AdaLoRA does not work when `total_step` is None, supply a value > 0.")
        }
        guard orthRegWeight >= 0 else {
            throw TunerError.invalidValue(field: "orth_reg_weight", reason: "`orth_reg_weight` should be greater than or equal to 0, but the value passed is \(orthRegWeight)")
        }
        guard tinit < totalStep - tfinal else {
            throw TunerError.invalidValue(field: "tinit", reason: "The supplied schedule values don't allow for a budgeting phase. Decrease `tfinal`/`tinit` or increase `total_step`. (tinit \(tinit) must be less than total_step \(totalStep) - tfinal \(tfinal))")
        }
        guard deltaT > 0 else { throw TunerError.invalidValue(field: "deltaT", reason: "the steps between two maskings must be 1 or more, not \(deltaT)") }
        for (field, beta) in [("beta1", beta1), ("beta2", beta2)] where !(beta > 0 && beta < 1) {
            throw TunerError.invalidValue(field: field, reason: "must lie strictly between 0 and 1, not \(beta)")
        }
    }

    /// AdaLoRA trains one adapter at a time (PEFT's `AdaLoraModel` check).
    public func checkCompatible(with existing: [String: any PeftConfig]) throws {
        guard !base.inferenceMode, existing.values.contains(where: { !$0.base.inferenceMode }) else { return }
        throw TunerError.invalidValue(field: "inference_mode", reason: "AdaLoraModel supports only 1 trainable adapter. When using multiple adapters, set inference_mode to True for all adapters except the one you want to train.")
    }
}
