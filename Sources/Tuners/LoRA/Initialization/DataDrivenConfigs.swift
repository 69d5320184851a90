import JSON

/// PEFT's `EvaConfig` (`eva_config`): how EVA calibrates. Unknown keys and out-of-range values are
/// refused, as PEFT's dataclass refuses them.
public struct EvaConfig: Equatable, Sendable {
    /// A layer may take up to `round(r · rho)` components (≥ 1; 1 means no redistribution).
    public var rho = 2.0
    /// Cosine-similarity threshold between two successive estimates at which a component has converged.
    public var tau = 0.99
    /// Leave out positions whose label is `labelMaskValue`.
    public var useLabelMask = true
    public var labelMaskValue = -100
    /// Divide each component by the square root of its singular value.
    public var whiten = false
    /// Scale `lora_alpha` with the new rank so the scaling stays `lora_alpha / r`.
    public var adjustScalingFactors = true

    public init() {}

    init(json: JSONValue) throws {
        let reader = try DataDrivenConfigs.reader(json, field: "eva_config", keys: ["rho", "tau", "use_label_mask", "label_mask_value", "whiten", "adjust_scaling_factors"])
        rho = try reader.double("rho") ?? rho
        tau = try reader.double("tau") ?? tau
        useLabelMask = try reader.bool("use_label_mask") ?? useLabelMask
        labelMaskValue = try reader.int("label_mask_value") ?? labelMaskValue
        whiten = try reader.bool("whiten") ?? whiten
        adjustScalingFactors = try reader.bool("adjust_scaling_factors") ?? adjustScalingFactors
        guard rho >= 1 else { throw TunerError.invalidValue(field: "eva_config.rho", reason: "`rho` must be >= 1.0 (got \(rho)); 1 keeps every layer at r, 2 lets a layer take up to 2r") }
        guard tau >= 0, tau <= 1 else { throw TunerError.invalidValue(field: "eva_config.tau", reason: "`tau` must be between 0.0 and 1.0 (got \(tau)); PEFT's default is 0.99") }
    }

    /// Every field, as PEFT saves the dataclass.
    var json: JSONValue {
        .object([("rho", .number(rho)), ("tau", .number(tau)), ("use_label_mask", .bool(useLabelMask)),
                 ("label_mask_value", .int(labelMaskValue)), ("whiten", .bool(whiten)), ("adjust_scaling_factors", .bool(adjustScalingFactors))])
    }
}

/// PEFT's `CordaConfig` (`corda_config`): how CorDA calibrates.
public struct CordaConfig: Equatable, Sendable {
    /// IPM keeps the r largest singular triplets of `W · C`, KPM the r smallest.
    public enum Method: String, Sendable { case ipm, kpm }

    /// Where the cropped decomposition is kept (read instead of calibrating when it exists).
    public var cacheFile: String?
    /// Where the input covariances are kept (read instead of running the model when it exists).
    public var covarianceFile: String?
    public var method = Method.ipm
    /// Print the per-module decomposition steps.
    public var verbose = false
    /// Keep the normalised inputs and the running covariance in float16 (half the memory).
    public var useFloat16ForCovariance = false
    /// Drop each module's covariance as soon as its decomposition is made (PEFT's temporary fields).
    public var pruneTemporaryFields = true

    public init() {}

    init(json: JSONValue) throws {
        let reader = try DataDrivenConfigs.reader(json, field: "corda_config", keys: ["cache_file", "covariance_file", "corda_method", "verbose", "use_float16_for_covariance", "prune_temporary_fields"])
        cacheFile = try reader.string("cache_file")
        covarianceFile = try reader.string("covariance_file")
        if let text = try reader.string("corda_method") {
            guard let method = Method(rawValue: text) else {
                throw TunerError.invalidValue(field: "corda_config.corda_method", reason: "Invalid corda_method found: \(text), it should be 'ipm' or 'kpm'.")
            }
            self.method = method
        }
        verbose = try reader.bool("verbose") ?? verbose
        useFloat16ForCovariance = try reader.bool("use_float16_for_covariance") ?? useFloat16ForCovariance
        pruneTemporaryFields = try reader.bool("prune_temporary_fields") ?? pruneTemporaryFields
    }

    /// Every field, as PEFT saves the dataclass.
    var json: JSONValue {
        .object([("cache_file", cacheFile.map(JSONValue.string) ?? .null), ("covariance_file", covarianceFile.map(JSONValue.string) ?? .null),
                 ("corda_method", .string(method.rawValue)), ("verbose", .bool(verbose)),
                 ("use_float16_for_covariance", .bool(useFloat16ForCovariance)), ("prune_temporary_fields", .bool(pruneTemporaryFields))])
    }
}

/// Reading the sub-configs out of a `LoraConfig`'s kept fields.
enum DataDrivenConfigs {
    /// A reader of the object `json`, refusing keys the dataclass does not have.
    static func reader(_ json: JSONValue, field: String, keys: Set<String>) throws -> JSONFieldReader {
        guard let members = json.members else {
            throw TunerError.invalidValue(field: field, reason: "must be an object of its fields (\(keys.sorted().joined(separator: ", "))) or null, not \(json.typeName)")
        }
        if let unknown = members.first(where: { !keys.contains($0.key) }) {
            throw TunerError.invalidValue(field: field, reason: "has no field \"\(unknown.key)\"; its fields are \(keys.sorted().joined(separator: ", "))")
        }
        return try JSONFieldReader(object: json)
    }
}

extension LoraConfig {
    /// The kept value of `eva_config` / `corda_config` (null when absent).
    private func passive(_ key: String) -> JSONValue {
        passiveFields.first { $0.key == key }?.value ?? .null
    }

    /// `eva_config`, or PEFT's defaults when it is null.
    public func evaConfig() throws -> EvaConfig {
        let json = passive("eva_config")
        return json.isNull ? EvaConfig() : try EvaConfig(json: json)
    }

    /// `corda_config`, or PEFT's defaults when it is null.
    public func cordaConfig() throws -> CordaConfig {
        let json = passive("corda_config")
        return json.isNull ? CordaConfig() : try CordaConfig(json: json)
    }

    /// Both sub-configs must be readable; an `eva_config` that `init_lora_weights` does not use is
    /// refused (PEFT ignores it with a warning). A `corda_config` beside another init is kept: PEFT's
    /// recipe saves a CorDA adapter with `init_lora_weights: true` and its `corda_config`.
    func validateDataDrivenConfigs() throws {
        _ = try evaConfig()
        _ = try cordaConfig()
        _ = try loraGAConfig()
        if !passive("eva_config").isNull, initLoraWeights != .eva {
            throw TunerError.invalidValue(field: "eva_config", reason: "eva_config is only used with init_lora_weights=\"eva\", but init_lora_weights is \(initLoraWeights.configText); remove eva_config or set init_lora_weights to \"eva\"")
        }
    }

    /// Writes the sub-config of this init with every field (PEFT's `__post_init__` fills in the
    /// default one, and saving writes the whole dataclass).
    mutating func writeFullDataDrivenConfig() throws {
        let (key, value): (String, JSONValue)
        switch initLoraWeights {
        case .eva: (key, value) = ("eva_config", try evaConfig().json)
        case .corda: (key, value) = ("corda_config", try cordaConfig().json)
        case .loraGA: (key, value) = ("lora_ga_config", try loraGAConfig()?.json ?? .null)
        default: return
        }
        passiveFields = passiveFields.map { $0.key == key ? (key, value) : $0 }
    }
}
