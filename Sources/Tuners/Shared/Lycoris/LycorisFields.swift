import JSON

/// The fields of PEFT's LyCORIS-family configs (`LycorisConfig` and what LoHa and LoKr both add to
/// it), under PEFT's keys and with PEFT's defaults: the rank, `alpha` (the update is scaled by
/// `alpha / r`), the two training-only dropouts and the per-module patterns.
public struct LycorisFields {
    /// `r`: the rank.
    public var r = 8
    /// `alpha`: the update is scaled by `alpha / r`.
    public var alpha: Double = 8
    /// `rank_dropout`: the probability of dropping each row of the update, while training.
    public var rankDropout: Double = 0
    /// `module_dropout`: the probability of skipping the whole adapter for a step, while training.
    public var moduleDropout: Double = 0
    /// `use_effective_conv2d`: for Conv2d layers, which lorakit's architectures do not have; kept.
    public var useEffectiveConv2d = false
    /// Per-module ranks and alphas: regex keys tried in order, the first that matches wins.
    public var rankPattern: [(key: String, value: Int)] = []
    public var alphaPattern: [(key: String, value: Double)] = []

    /// The keys these fields are saved under.
    static let keys: Set<String> = ["r", "alpha", "rank_dropout", "module_dropout", "use_effective_conv2d", "rank_pattern", "alpha_pattern"]

    public init(r: Int = 8, alpha: Double = 8) {
        self.r = r
        self.alpha = alpha
    }

    init(_ reader: JSONFieldReader) throws {
        r = try reader.int("r") ?? r
        alpha = try reader.double("alpha") ?? alpha
        rankDropout = try reader.double("rank_dropout") ?? 0
        moduleDropout = try reader.double("module_dropout") ?? 0
        useEffectiveConv2d = try reader.bool("use_effective_conv2d") ?? false
        rankPattern = try reader.pattern("rank_pattern").map { key, value in
            guard let rank = Int(exactly: value) else { throw TunerError.invalidValue(field: "rank_pattern", reason: "rank for \(key) must be an integer") }
            return (key, rank)
        }
        alphaPattern = try reader.pattern("alpha_pattern")
    }

    /// The members PEFT writes for these fields.
    var json: [(key: String, value: JSONValue)] {
        [
            ("r", .int(r)),
            ("alpha", .number(alpha)),
            ("rank_dropout", .double(rankDropout)),
            ("module_dropout", .double(moduleDropout)),
            ("use_effective_conv2d", .bool(useEffectiveConv2d)),
            ("rank_pattern", .object(rankPattern.map { ($0.key, .int($0.value)) })),
            ("alpha_pattern", .object(alphaPattern.map { ($0.key, .number($0.value)) })),
        ]
    }

    /// `update_layer`'s rank check and the dropouts' range.
    func validate() throws {
        guard r > 0 else { throw TunerError.invalidValue(field: "r", reason: "`r` should be a positive integer value but the value passed is \(r)") }
        for (key, rank) in rankPattern where rank <= 0 {
            throw TunerError.invalidValue(field: "rank_pattern", reason: "the rank for \(key) should be a positive integer but is \(rank)")
        }
        for (field, value) in [("rank_dropout", rankDropout), ("module_dropout", moduleDropout)] where !(value >= 0 && value <= 1) {
            throw TunerError.invalidValue(field: field, reason: "is a probability and must be in [0, 1]; got \(value)")
        }
    }

    /// The rank and alpha of the module `name`, after `rank_pattern` / `alpha_pattern`.
    func rankAndAlpha(for name: String) throws -> (r: Int, alpha: Double) {
        (try TargetMatcher.patternKey(rankPattern, for: name, field: "rank_pattern") ?? r,
         try TargetMatcher.patternKey(alphaPattern, for: name, field: "alpha_pattern") ?? alpha)
    }

    /// `r=4, alpha=8, scaling 2` for the module `name`.
    func moduleSummary(for name: String) throws -> String {
        let (r, alpha) = try rankAndAlpha(for: name)
        return LoHaConfig.moduleSummary(r: r, alpha: alpha, alphaKey: "alpha", scaling: alpha / Double(r))
    }

    /// The settings of one adapter on the module `name`; `seed` starts its dropout draws.
    func settings(for name: String, seed: UInt64) throws -> LycorisSettings {
        let (r, alpha) = try rankAndAlpha(for: name)
        guard r > 0 else { throw TunerError.invalidValue(field: "rank_pattern", reason: "`r` should be a positive integer value but the value passed is \(r) (for \(name))") }
        return LycorisSettings(r: r, alpha: alpha, rankDropout: Float(rankDropout), moduleDropout: Float(moduleDropout), seed: seed)
    }

    /// The fields' help, as a form shows them.
    static func formFields(method: String) -> [PeftConfigField] {
        [
            .init("r", "rank of each low-rank factor"),
            .init("alpha", "the update is scaled by alpha / r"),
            .init("rank_dropout", "while training, drop each row of the update with this probability"),
            .init("module_dropout", "while training, skip the whole \(method) adapter for a step with this probability"),
        ]
    }

    /// The form fields that follow a method's own.
    static let trailingFormFields: [PeftConfigField] = [
        .targetModules, .excludeModules, .modulesToSave, .layersToTransform, .layersPattern,
        .init("rank_pattern", "per-module ranks: {\"regex\": r}, first match wins"),
        .init("alpha_pattern", "per-module alphas: {\"regex\": alpha}"),
        .init("use_effective_conv2d", "Conv2d only (FedPara's proposition 3); no effect on Linear layers"),
        .taskType,
    ]
}
