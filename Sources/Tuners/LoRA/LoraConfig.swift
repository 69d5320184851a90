/// PEFT's `LoraConfig`: every field under PEFT's name (in Swift case) with PEFT's default. Fields
/// lorakit does not interpret are kept in `passiveFields` (with PEFT's defaults) and written back
/// unchanged, so a config read from PEFT and saved again has the same keys and values.
public struct LoraConfig: TargetingConfig, PeftConfig {
    /// How base biases train (`bias`).
    public enum Bias: String, Sendable { case none, all, loraOnly = "lora_only" }

    public var peftType = PeftType.lora
    /// `task_type`: `CAUSAL_LM`, `SEQ_CLS`, `FEATURE_EXTRACTION`, ... (nil: none given).
    public var taskType: String?
    public var baseModelNameOrPath: String?
    public var revision: String?
    /// True in saved configs; a loaded adapter in inference mode does not train.
    public var inferenceMode = false
    /// `peft_version`, written by PEFT; lorakit writes the version it is compatible with.
    public var peftVersion: String? = LoraConfig.compatiblePeftVersion

    public var r = 8
    public var loraAlpha: Double = 8
    public var targetModules: TargetModules?
    public var excludeModules: TargetModules?
    public var loraDropout: Double = 0
    public var fanInFanOut = false
    public var bias = Bias.none
    public var useRslora = false
    public var modulesToSave: [String]?
    public var initLoraWeights = LoraInitialization.kaimingUniform
    public var layersToTransform: [Int]?
    /// Whether `layers_to_transform` was a single integer rather than a list.
    public var layersToTransformIsScalar = false
    public var layersPattern: [String]?
    public var layersPatternIsScalar = false
    /// Per-module ranks: regex keys tried in order, the first that matches wins.
    public var rankPattern: [(key: String, value: Int)] = []
    public var alphaPattern: [(key: String, value: Double)] = []
    public var useDora = false
    public var loraBias = false
    /// `layer_replication`, `target_parameters`: not supported yet; must be null.
    public var layerReplication: JSONValue = .null
    public var targetParameters: JSONValue = .null

    /// PEFT fields lorakit keeps but does not interpret, with their values (PEFT's defaults unless read).
    public var passiveFields: [(key: String, value: JSONValue)] = LoraConfig.passiveDefaults
    /// Keys of the file that PEFT 0.21 does not know (from a newer PEFT); kept and written back.
    public var unknownFields: [(key: String, value: JSONValue)] = []

    /// The PEFT release whose format lorakit reads and writes.
    public static let compatiblePeftVersion = "0.21.2"

    public init(r: Int = 8, loraAlpha: Double = 8, targetModules: TargetModules? = nil) {
        self.r = r
        self.loraAlpha = loraAlpha
        self.targetModules = targetModules
    }

    /// The rank and alpha of the module `name`, after `rank_pattern` / `alpha_pattern`.
    public func rankAndAlpha(for name: String) throws -> (r: Int, alpha: Double) {
        (try TargetMatcher.patternKey(rankPattern, for: name, field: "rank_pattern") ?? r,
         try TargetMatcher.patternKey(alphaPattern, for: name, field: "alpha_pattern") ?? loraAlpha)
    }

    /// `lora_alpha / r`, or `lora_alpha / sqrt(r)` with rsLoRA.
    public func scaling(r: Int, alpha: Double) -> Double {
        useRslora ? alpha / Double(r).squareRoot() : alpha / Double(r)
    }
}
