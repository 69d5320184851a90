import JSON

extension AdaLoraConfig {
    /// The keys AdaLoRA adds to `LoraConfig` (and `rank_pattern`, which it reads differently).
    static let methodKeys: Set<String> = [
        "target_r", "init_r", "tinit", "tfinal", "deltaT", "beta1", "beta2", "orth_reg_weight", "total_step", "rank_pattern",
    ]

    /// Reads the JSON object PEFT writes for an AdaLoRA adapter, and validates it; a missing
    /// `total_step` is `totalStepIfMissing` (a training run's number of steps) when given.
    public init(json: JSONValue, totalStepIfMissing: Int? = nil) throws {
        lora = try LoraConfig(json: json, method: .adalora, methodKeys: Self.methodKeys)
        let reader = JSONFieldReader(membersOf: json)
        targetR = try reader.int("target_r") ?? targetR
        initR = try reader.int("init_r") ?? initR
        tinit = try reader.int("tinit") ?? tinit
        tfinal = try reader.int("tfinal") ?? tfinal
        deltaT = try reader.int("deltaT") ?? deltaT
        beta1 = try reader.double("beta1") ?? beta1
        beta2 = try reader.double("beta2") ?? beta2
        orthRegWeight = try reader.double("orth_reg_weight") ?? orthRegWeight
        totalStep = try reader.int("total_step") ?? totalStepIfMissing
        rankPattern = try reader.value("rank_pattern").map(RankPattern.init(json:))
        try validate()
    }

    /// The JSON object PEFT's `save_pretrained` writes: the LoRA fields and AdaLoRA's.
    public var json: JSONValue {
        let own: [(key: String, value: JSONValue)] = [
            ("target_r", .int(targetR)), ("init_r", .int(initR)), ("tinit", .int(tinit)), ("tfinal", .int(tfinal)),
            ("deltaT", .int(deltaT)), ("beta1", .double(beta1)), ("beta2", .double(beta2)),
            ("orth_reg_weight", .double(orthRegWeight)), ("total_step", totalStep.map { .int($0) } ?? .null),
            ("rank_pattern", rankPattern?.json ?? .null),
        ]
        let shared = (lora.json.members ?? []).filter { !Self.methodKeys.contains($0.key) }
        return .object(shared + own)
    }
}
