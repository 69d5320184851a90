import JSON

/// PEFT's `LoraConfig`: PEFT's base fields, the targeting fields and LoRA's own, each under PEFT's
/// name (in Swift case) with PEFT's default. Fields lorakit does not interpret are kept in
/// `passiveFields` (with PEFT's defaults) and written back unchanged, so a config read from PEFT and
/// saved again has the same keys and values.
public struct LoraConfig: TargetingConfig, PeftConfig {
    /// How base biases train (`bias`).
    public enum Bias: String, Sendable { case none, all, loraOnly = "lora_only" }

    public var base = PeftBaseFields(peftType: .lora)
    public var targeting = TargetingFields()

    public var r = 8
    public var loraAlpha: Double = 8
    public var loraDropout: Double = 0
    public var fanInFanOut = false
    public var bias = Bias.none
    public var useRslora = false
    public var initLoraWeights = LoraInitialization.kaimingUniform
    /// Per-module ranks: regex keys tried in order, the first that matches wins.
    public var rankPattern: [(key: String, value: Int)] = []
    public var alphaPattern: [(key: String, value: Double)] = []
    public var useDora = false
    public var loraBias = false
    /// `layer_replication`: the decoder layers are expanded before the adapter is injected.
    public var layerReplication: LayerReplication?
    /// `target_parameters`: parameter names (suffixes such as `self_attn.q_proj.weight`) whose
    /// owning Linear gets LoRA as PEFT's `lora.ParamWrapper`.
    public var targetParameters: [String]?
    /// `trainable_token_indices`: embedding rows trained beside LoRA (PEFT's TrainableTokens).
    public var trainableTokenIndices: TrainableTokenIndices?
    /// `runtime_config`, when the file has it (PEFT does not save it).
    public var runtimeConfig: LoraRuntimeConfig?
    /// The data-free decompositions of the targets, a core each, while the adapter is injected
    /// (`prepareSharedTensors`); not part of the file.
    var linearStarts: LinearInitializationBatch?

    /// PEFT fields lorakit keeps but does not interpret, with their values (PEFT's defaults unless read).
    public var passiveFields: [(key: String, value: JSONValue)] = LoraConfig.passiveDefaults
    /// Keys of the file that PEFT 0.21 does not know (from a newer PEFT); kept and written back.
    public var unknownFields: [(key: String, value: JSONValue)] = []

    /// The PEFT release whose format lorakit reads and writes.
    public static let compatiblePeftVersion = PeftBaseFields.compatiblePeftVersion

    public init(r: Int = 8, loraAlpha: Double = 8, targetModules: TargetModules? = nil) {
        self.r = r
        self.loraAlpha = loraAlpha
        targeting.targetModules = targetModules
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

    public var biasMode: Bias { bias }

    public var unknownKeys: [String] { unknownFields.map(\.key) }
}

/// The base and targeting fields of a LoRA config by their own names, as PEFT's `LoraConfig` has them.
extension LoraConfig {
    public var peftType: PeftType {
        get { base.peftType }
        set { base.peftType = newValue }
    }
    public var taskType: TaskType? {
        get { base.taskType }
        set { base.taskType = newValue }
    }
    public var baseModelNameOrPath: String? {
        get { base.baseModelNameOrPath }
        set { base.baseModelNameOrPath = newValue }
    }
    public var revision: String? {
        get { base.revision }
        set { base.revision = newValue }
    }
    public var inferenceMode: Bool {
        get { base.inferenceMode }
        set { base.inferenceMode = newValue }
    }
    public var peftVersion: String? {
        get { base.peftVersion }
        set { base.peftVersion = newValue }
    }
    public var targetModules: TargetModules? {
        get { targeting.targetModules }
        set { targeting.targetModules = newValue }
    }
    public var excludeModules: TargetModules? {
        get { targeting.excludeModules }
        set { targeting.excludeModules = newValue }
    }
    public var modulesToSave: [String]? {
        get { targeting.modulesToSave }
        set { targeting.modulesToSave = newValue }
    }
    public var layersToTransform: [Int]? {
        get { targeting.layersToTransform }
        set { targeting.layersToTransform = newValue }
    }
    public var layersPattern: [String]? {
        get { targeting.layersPattern }
        set { targeting.layersPattern = newValue }
    }
}
