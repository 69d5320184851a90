import JSON

/// PEFT's `LoraGAConfig` (`lora_ga_config`) of `init_lora_weights: "lora_ga"`.
public struct LoraGAConfig: Equatable, Sendable {
    /// Which singular triplets of the gradient become the rows of A and the columns of B.
    public enum Direction: String, Sendable, CaseIterable {
        /// A from the odd triplets `1, 3, …, 2r−1`, B from the even ones `0, 2, …, 2r−2`.
        case arBr = "ArBr"
        /// A from triplets `r..<2r`, B from `0..<r`.
        case a2rBr = "A2rBr"
        /// A from triplets `0..<r`, B from `r..<2r` (PEFT's default).
        case arB2r = "ArB2r"
        /// The same random `r` of the first `2r` triplets for A and B.
        case random
    }

    /// How A and B are scaled after the selection.
    public enum Scale: String, Sendable, CaseIterable {
        /// B times `out^(1/4) / √stable_gamma` (PEFT's default).
        case stable
        /// B times `σ₁(W) / S_B[0]`, so B's largest singular value is the weight's.
        case weightSVD = "weight_svd"
        /// A and B divided by the scaling.
        case gdScale = "gd_scale"
        /// No scaling.
        case unit
    }

    public var direction = Direction.arB2r
    public var scale = Scale.stable
    /// `stable_gamma`: the divisor (under a square root) of the `stable` scale.
    public var stableGamma = 16.0

    /// PEFT's defaults.
    public init() {}

    /// Reads `lora_ga_config`; missing keys take PEFT's defaults, unknown keys and values are refused.
    init(json: JSONValue) throws {
        let reader = try DataDrivenConfigs.reader(json, field: "lora_ga_config", keys: ["direction", "scale", "stable_gamma"])
        if let text = try reader.string("direction") {
            guard let value = Direction(rawValue: text) else {
                throw TunerError.invalidValue(field: "lora_ga_config.direction", reason: "\"\(text)\" is not one of \(Direction.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            direction = value
        }
        if let text = try reader.string("scale") {
            guard let value = Scale(rawValue: text) else {
                throw TunerError.invalidValue(field: "lora_ga_config.scale", reason: "\"\(text)\" is not one of \(Scale.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            scale = value
        }
        if let gamma = try reader.double("stable_gamma") {
            guard gamma > 0 else { throw TunerError.invalidValue(field: "lora_ga_config.stable_gamma", reason: "must be positive (B is divided by its square root), got \(gamma)") }
            stableGamma = gamma
        }
    }
}

extension LoraGAConfig {
    /// Every field, as PEFT saves the dataclass.
    var json: JSONValue {
        .object([("direction", .string(direction.rawValue)), ("scale", .string(scale.rawValue)), ("stable_gamma", stableGamma == stableGamma.rounded() && abs(stableGamma) < 1e15 ? JSONValue.int(Int(stableGamma)) : JSONValue.number(stableGamma))])
    }
}

extension LoraConfig {
    /// `lora_ga_config`, or nil when it is null (PEFT then refuses to calibrate).
    public func loraGAConfig() throws -> LoraGAConfig? {
        guard let json = passiveFields.first(where: { $0.key == "lora_ga_config" })?.value, !json.isNull else { return nil }
        return try LoraGAConfig(json: json)
    }
}
