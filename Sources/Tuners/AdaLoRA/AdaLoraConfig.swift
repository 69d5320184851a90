import JSON

/// PEFT's `AdaLoraConfig`: a `LoraConfig` (its LoRA fields in `lora`, `peft_type` `ADALORA`) with
/// the rank allocator's schedule. Every adapted module starts with `init_r` ranks; after `tinit`
/// warm-up steps the total budget falls on a cubic curve to `target_r` per module at
/// `total_step - tfinal`, the least important ranks being pruned every `deltaT` steps; the last
/// `tfinal` steps fine-tune the final allocation. The allocation ends up in `rank_pattern`.
public struct AdaLoraConfig: PeftConfig {
    public var lora: LoraConfig
    /// `target_r`: the average rank per module at the end.
    public var targetR = 8
    /// `init_r`: every module's rank at the start.
    public var initR = 12
    /// `tinit`: warm-up steps before any pruning.
    public var tinit = 0
    /// `tfinal`: final steps that keep the allocation fixed.
    public var tfinal = 0
    /// `deltaT`: steps between two maskings during the budgeting phase.
    public var deltaT = 1
    /// `beta1`: smoothing of the sensitivity |p · ∂L/∂p|.
    public var beta1 = 0.85
    /// `beta2`: smoothing of its uncertainty.
    public var beta2 = 0.85
    /// `orth_reg_weight`: the weight of the orthogonal regulariser in the training loss.
    public var orthRegWeight = 0.5
    /// `total_step`: the number of optimizer steps of the run; required.
    public var totalStep: Int?
    /// `rank_pattern`: the allocation so far (nil before the first masking).
    public var rankPattern: RankPattern?

    public init(initR: Int = 12, targetR: Int = 8, totalStep: Int?, loraAlpha: Double = 8, targetModules: TargetModules? = nil) {
        lora = LoraConfig(loraAlpha: loraAlpha, targetModules: targetModules)
        lora.peftType = .adalora
        self.initR = initR
        self.targetR = targetR
        self.totalStep = totalStep
    }

    public var base: PeftBaseFields {
        get { lora.base }
        set { lora.base = newValue }
    }

    public var targeting: TargetingFields {
        get { lora.targeting }
        set { lora.targeting = newValue }
    }

    public var unknownKeys: [String] { lora.unknownKeys }

    public func corrections(from original: any PeftConfig) -> [String] { lora.corrections(from: original) }

    /// Every module starts at `init_r`; PEFT's AdaLoRA applies no `rank_pattern` or `alpha_pattern` on creation.
    public func moduleSummary(for name: String) throws -> String {
        Self.moduleSummary(r: initR, alpha: lora.loraAlpha, alphaKey: "lora_alpha", scaling: scaling(rank: initR) / Double(initR))
    }

    public var summary: String {
        "adalora r \(initR)→\(targetR) over \(totalStep.map(String.init) ?? "?") steps alpha=\(JSONValue.number(lora.loraAlpha).pythonJSONText())"
    }

    /// The factor PEFT applies to `B (A ⊙ E)` before dividing by `ranknum`: `lora_alpha`, or the rank
    /// when `lora_alpha` is not positive.
    func scaling(rank: Int) -> Double {
        lora.loraAlpha > 0 ? lora.loraAlpha : Double(rank)
    }
}
