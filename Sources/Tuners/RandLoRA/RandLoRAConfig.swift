import JSON
import Models
import Tensors

/// PEFT's `RandLoraConfig` (`tuners/randlora/config.py`): the base and targeting fields and
/// RandLoRA's own, with PEFT's keys and defaults. PEFT 0.21's RandLoRA has no `exclude_modules`;
/// one in a file is kept as an unknown key (a null one is dropped). The adapter's random bases are made by
/// `prepareSharedTensors` and shared by every layer of the adapter.
public struct RandLoRAConfig: PeftConfig {
    public var base = PeftBaseFields(peftType: .randlora)
    public var targeting = TargetingFields()
    /// `r`: the rank of each random basis (more bases, and more trainable parameters, as it shrinks).
    public var r = 32
    /// `projection_prng_key`: the seed PEFT draws the bases from.
    public var projectionPrngKey = 0
    /// `save_projection`: whether the bases are in the adapter file. lorakit needs them there.
    public var saveProjection = true
    /// `sparse`: ternary bases (-1, 0, 1 with probabilities 1/6, 2/3, 1/6).
    public var sparse = false
    /// `very_sparse`: ternary bases with nonzero probability 1/√D each (D the smallest side).
    public var verySparse = false
    public var randloraDropout: Double = 0
    public var fanInFanOut = false
    /// `randlora_alpha`: the update is scaled by `randlora_alpha / r`.
    public var randloraAlpha: Double = 640
    public var bias = LoraConfig.Bias.none
    /// `init_weights`: true starts `randlora_lambda` at zero (no change at start); false random.
    public var initWeights = true
    /// Keys of the file that PEFT 0.21 does not know; kept and written back.
    public var unknownFields: [(key: String, value: JSONValue)] = []
    /// The adapter's bases, once `prepareSharedTensors` made them.
    public private(set) var bases: RandLoRABases?

    static let ownKeys: Set<String> = [
        "r", "projection_prng_key", "save_projection", "sparse", "very_sparse", "randlora_dropout", "fan_in_fan_out",
        "randlora_alpha", "bias", "init_weights",
    ]

    public init(r: Int = 32, randloraAlpha: Double = 640, targetModules: TargetModules? = nil) {
        (self.r, self.randloraAlpha) = (r, randloraAlpha)
        targeting.targetModules = targetModules
    }

    /// Reads the JSON object PEFT writes for a RandLoRA adapter, and validates it.
    public init(json: JSONValue) throws {
        let reader = try JSONFieldReader(object: json)
        base = try PeftBaseFields(reader, method: .randlora)
        targeting = try TargetingFields(reader)
        targeting.excludeModules = nil
        r = try reader.int("r") ?? r
        projectionPrngKey = try reader.int("projection_prng_key") ?? 0
        saveProjection = try reader.bool("save_projection") ?? true
        sparse = try reader.bool("sparse") ?? false
        verySparse = try reader.bool("very_sparse") ?? false
        randloraDropout = try reader.double("randlora_dropout") ?? 0
        fanInFanOut = try reader.bool("fan_in_fan_out") ?? false
        randloraAlpha = try reader.double("randlora_alpha") ?? randloraAlpha
        bias = try MethodBias.read(reader, prefix: "randlora")
        initWeights = try reader.bool("init_weights") ?? true
        let known = PeftBaseFields.keys.union(TargetingFields.keys).subtracting(["exclude_modules"]).union(Self.ownKeys)
        unknownFields = JSONFieldReader.unknownMembers(of: json, known: known).filter { !($0.key == "exclude_modules" && $0.value.isNull) }
        try validate()
    }

    public var json: JSONValue {
        let own: [(key: String, value: JSONValue)] = [
            ("r", .int(r)), ("projection_prng_key", .int(projectionPrngKey)), ("save_projection", .bool(saveProjection)),
            ("sparse", .bool(sparse)), ("very_sparse", .bool(verySparse)), ("randlora_dropout", .double(randloraDropout)),
            ("fan_in_fan_out", .bool(fanInFanOut)), ("randlora_alpha", .number(randloraAlpha)),
            ("bias", MethodBias.json(bias, prefix: "randlora")), ("init_weights", .bool(initWeights)),
        ]
        return .object(base.json + targeting.json.filter { $0.key != "exclude_modules" } + own + unknownFields)
    }

    /// PEFT's `update_layer` checks, the dropout's range, and lorakit's refusal of bases it would
    /// have to regenerate.
    public func validate() throws {
        guard r > 0 else { throw TunerError.invalidValue(field: "r", reason: "`r` should be a positive integer value but the value passed is \(r)") }
        guard randloraDropout >= 0, randloraDropout < 1 else {
            throw TunerError.invalidValue(field: "randlora_dropout", reason: "is a probability and must be in [0, 1); got \(randloraDropout)")
        }
        guard saveProjection else {
            throw TunerError.invalidValue(field: "save_projection", reason: "false means the adapter file lacks the random bases randlora_A and randlora_B, which PEFT regenerates from projection_prng_key with torch's CPU generator (its mt19937 stream and Kaiming-uniform draws); lorakit does not reproduce that stream bit for bit, so it would compute with other bases. Save the adapter from PEFT with save_projection=True (PEFT's default), or set it to true for a new adapter")
        }
        try targeting.validate()
    }

    public var unknownKeys: [String] { unknownFields.map(\.key) }

    public var biasMode: LoraConfig.Bias { bias }

    /// `randlora_alpha / r`.
    var scaling: Float { Float(randloraAlpha / Double(r)) }

    public func moduleSummary(for name: String) throws -> String {
        Self.moduleSummary(r: r, alpha: randloraAlpha, alphaKey: "randlora_alpha", scaling: Double(scaling)) + "; random bases shared by every wrapped layer"
    }

    public var summary: String {
        "randlora r=\(r) alpha=\(JSONValue.number(randloraAlpha).pythonJSONText())" + (verySparse ? " very_sparse" : sparse ? " sparse" : "")
    }

    /// PEFT's `_pre_injection_hook`: the bases, shaped for the largest targeted layer.
    public mutating func prepareSharedTensors(for targets: [(key: String, module: Module)], generator: inout RandomGenerator) throws {
        bases = try RandLoRABases(config: self, targets: targets, generator: &generator)
    }

    public var sharedTensors: [SharedAdapterTensor] {
        guard let bases else { return [] }
        return [("randlora_A", bases.a), ("randlora_B", bases.b)].map { SharedAdapterTensor(name: $0, parameter: $1, trains: false, savedPerLayer: true) }
    }

    /// PEFT's `RandLoraModel._create_and_replace`: a RandLoRA adapter on a `Linear` or `Conv1D` (with
    /// `fan_in_fan_out` set to what the layer needs) that uses its slice of the adapter's bases.
    public mutating func addAdapter(_ name: String, to target: Module, key: String, generator: inout RandomGenerator) throws -> (any AdapterLayer)? {
        guard let bases else { throw TunerError.invalidState("the RandLoRA bases of \(name) were not made before its layers") }
        let layer = try target as? RandLoRALinear ?? RandLoRALinear(wrapping: target, path: key)
        fanInFanOut = layer.layout == .inOut
        try layer.add(name, bases: bases, r: r, scaling: scaling, dropout: Float(randloraDropout), initWeights: initWeights, generator: &generator)
        return layer === target ? nil : layer
    }

    /// PEFT's warning when `fan_in_fan_out` did not fit the layers.
    public func corrections(from original: any PeftConfig) -> [String] {
        Self.fanInFanOutCorrection(before: (original as? RandLoRAConfig)?.fanInFanOut ?? fanInFanOut, after: fanInFanOut)
    }
}
