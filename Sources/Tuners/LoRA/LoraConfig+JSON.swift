import Foundation

extension LoraConfig {
    /// PEFT fields that lorakit keeps without interpreting, with PEFT 0.21's defaults.
    static let passiveDefaults: [(key: String, value: JSONValue)] = [
        ("alora_invocation_tokens", .null), ("arrow_config", .null), ("auto_mapping", .null), ("corda_config", .null),
        ("ensure_weight_tying", .bool(false)), ("eva_config", .null), ("kasa_config", .null), ("loftq_config", .object([])),
        ("lora_ga_config", .null), ("megatron_config", .null), ("megatron_core", .string("megatron.core")),
        ("monteclora_config", .null), ("qalora_group_size", .int(16)), ("trainable_token_indices", .null),
        ("use_bdlora", .null), ("use_qalora", .bool(false)), ("velora_config", .null),
    ]

    /// The keys lorakit interprets.
    static let interpretedKeys: Set<String> = [
        "peft_type", "task_type", "base_model_name_or_path", "revision", "inference_mode", "peft_version", "r", "lora_alpha",
        "target_modules", "exclude_modules", "lora_dropout", "fan_in_fan_out", "bias", "use_rslora", "modules_to_save",
        "init_lora_weights", "layers_to_transform", "layers_pattern", "rank_pattern", "alpha_pattern", "use_dora", "lora_bias",
        "layer_replication", "target_parameters",
    ]

    /// Reads `adapter_config.json` as PEFT's `LoraConfig.from_pretrained` does; unknown keys are kept
    /// (see `unknownFields`) and the config is validated.
    public init(contentsOf url: URL) throws {
        try self.init(jsonData: PeftConfigs.contents(of: url), source: url.path)
    }

    /// Reads a config from the text of an `adapter_config.json` (or the same keys from elsewhere, such
    /// as a training recipe); `source` names it in errors.
    public init(jsonData data: Data, source: String) throws {
        self = try PeftConfigs.decode(data, source: source, LoraConfig.init(json:))
    }

    /// A config from the JSON object PEFT writes.
    public init(json: JSONValue) throws {
        try self.init(json: json, method: .lora, methodKeys: [])
    }

    /// The LoRA fields of a config of `method` (PEFT's configs of LoRA's relatives extend
    /// `LoraConfig`): `peft_type` must name `method`, and the keys in `methodKeys` are left for the
    /// method's own config to read (they are neither read here nor kept as unknown).
    init(json: JSONValue, method: PeftType, methodKeys: Set<String>) throws {
        guard let members = json.members else { throw TunerError.invalidValue(field: "adapter_config.json", reason: "must be a JSON object") }
        self.init()
        passiveFields = []
        var passive = Dictionary(Self.passiveDefaults, uniquingKeysWith: { a, _ in a })
        let values = Dictionary(members, uniquingKeysWith: { _, last in last })
        for (key, value) in members where !Self.interpretedKeys.contains(key) && !methodKeys.contains(key) {
            if passive[key] != nil { passive[key] = value } else { unknownFields.append((key, value)) }
        }
        passiveFields = Self.passiveDefaults.map { ($0.key, passive[$0.key]!) }
        let reader = JSONFieldReader(values: values)
        if let type = try reader.string("peft_type") {
            guard PeftType(peftString: type) == method else {
                throw TunerError.invalidValue(field: "peft_type", reason: "\(type) is not \(method.rawValue); this adapter was made by another PEFT method")
            }
        }
        peftType = method
        taskType = try reader.string("task_type")
        baseModelNameOrPath = try reader.string("base_model_name_or_path")
        revision = try reader.string("revision")
        inferenceMode = try reader.bool("inference_mode") ?? false
        peftVersion = try reader.string("peft_version")
        r = try reader.int("r") ?? 8
        loraAlpha = try reader.double("lora_alpha") ?? 8
        targetModules = try values["target_modules"].flatMap { try TargetModules(json: $0, field: "target_modules") }
        excludeModules = try values["exclude_modules"].flatMap { try TargetModules(json: $0, field: "exclude_modules") }
        loraDropout = try reader.double("lora_dropout") ?? 0
        fanInFanOut = try reader.bool("fan_in_fan_out") ?? false
        let biasText = try reader.string("bias") ?? "none"
        guard let bias = Bias(rawValue: biasText) else {
            throw TunerError.invalidValue(field: "bias", reason: "\"\(biasText)\" is not one of \"none\", \"all\", \"lora_only\"")
        }
        self.bias = bias
        useRslora = try reader.bool("use_rslora") ?? false
        modulesToSave = try reader.strings("modules_to_save")
        initLoraWeights = try values["init_lora_weights"].map(LoraInitialization.init(json:)) ?? .kaimingUniform
        (layersToTransform, layersToTransformIsScalar) = try reader.intOrInts("layers_to_transform")
        (layersPattern, layersPatternIsScalar) = try reader.stringOrStrings("layers_pattern")
        rankPattern = try methodKeys.contains("rank_pattern") ? [] : reader.pattern("rank_pattern").map { key, value in
            guard let rank = Int(exactly: value) else { throw TunerError.invalidValue(field: "rank_pattern", reason: "rank for \(key) must be an integer") }
            return (key, rank)
        }
        alphaPattern = try reader.pattern("alpha_pattern")
        useDora = try reader.bool("use_dora") ?? false
        loraBias = try reader.bool("lora_bias") ?? false
        layerReplication = values["layer_replication"] ?? .null
        targetParameters = values["target_parameters"] ?? .null
        try validate()
    }

    /// The JSON object PEFT's `save_pretrained` writes (every field, unknown ones included).
    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("peft_type", .string(peftType.rawValue)),
            ("task_type", taskType.map { .string($0) } ?? .null),
            ("base_model_name_or_path", baseModelNameOrPath.map { .string($0) } ?? .null),
            ("revision", revision.map { .string($0) } ?? .null),
            ("inference_mode", .bool(inferenceMode)),
            ("peft_version", peftVersion.map { .string($0) } ?? .null),
            ("r", .int(r)),
            ("lora_alpha", .number(loraAlpha)),
            ("target_modules", targetModules?.json ?? .null),
            ("exclude_modules", excludeModules?.json ?? .null),
            ("lora_dropout", .double(loraDropout)),
            ("fan_in_fan_out", .bool(fanInFanOut)),
            ("bias", .string(bias.rawValue)),
            ("use_rslora", .bool(useRslora)),
            ("modules_to_save", modulesToSave.map { .strings($0) } ?? .null),
            ("init_lora_weights", initLoraWeights.json),
            ("layers_to_transform", layersToTransform.map { layersToTransformIsScalar && $0.count == 1 ? .int($0[0]) : .array($0.map { .int($0) }) } ?? .null),
            ("layers_pattern", layersPattern.map { layersPatternIsScalar && $0.count == 1 ? .string($0[0]) : .strings($0) } ?? .null),
            ("rank_pattern", .object(rankPattern.map { ($0.key, .int($0.value)) })),
            ("alpha_pattern", .object(alphaPattern.map { ($0.key, .number($0.value)) })),
            ("use_dora", .bool(useDora)),
            ("lora_bias", .bool(loraBias)),
            ("layer_replication", layerReplication),
            ("target_parameters", targetParameters),
        ]
        members += passiveFields
        members += unknownFields
        return .object(members)
    }
}

/// Typed reads of an `adapter_config.json` object; errors name the field.
struct JSONFieldReader {
    let values: [String: JSONValue]

    /// The value of `key`, or nil when it is missing or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = values[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard case let .string(text) = value else { throw TunerError.invalidValue(field: key, reason: "must be a string, not \(value.typeName)") }
        return text
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard case let .bool(flag) = value else { throw TunerError.invalidValue(field: key, reason: "must be true or false, not \(value.typeName)") }
        return flag
    }

    func double(_ key: String) throws -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.doubleValue else { throw TunerError.invalidValue(field: key, reason: "must be a number, not \(value.typeName)") }
        return number
    }

    func int(_ key: String) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard let number = value.doubleValue, let integer = Int(exactly: number) else {
            throw TunerError.invalidValue(field: key, reason: "must be an integer, not \(value.typeName)")
        }
        return integer
    }

    func strings(_ key: String) throws -> [String]? {
        guard let value = value(key) else { return nil }
        guard case let .array(items) = value else { throw TunerError.invalidValue(field: key, reason: "must be a list of names") }
        return try items.map {
            guard case let .string(text) = $0 else { throw TunerError.invalidValue(field: key, reason: "must be a list of names") }
            return text
        }
    }

    /// An integer or a list of integers; the flag says it was a single integer.
    func intOrInts(_ key: String) throws -> ([Int]?, Bool) {
        guard let value = value(key) else { return (nil, false) }
        if case .array(let items) = value {
            return (try items.map {
                guard let n = $0.doubleValue, let i = Int(exactly: n) else { throw TunerError.invalidValue(field: key, reason: "must list layer indices (integers)") }
                return i
            }, false)
        }
        return ([try int(key)!], true)
    }

    /// A string or a list of strings; the flag says it was a single string.
    func stringOrStrings(_ key: String) throws -> ([String]?, Bool) {
        guard let value = value(key) else { return (nil, false) }
        if case .string(let text) = value { return ([text], true) }
        return (try strings(key), false)
    }

    /// An object mapping regex keys to numbers, in file order.
    func pattern(_ key: String) throws -> [(key: String, value: Double)] {
        guard let value = value(key) else { return [] }
        guard let members = value.members else { throw TunerError.invalidValue(field: key, reason: "must be an object mapping module-name patterns to numbers") }
        return try members.map { name, entry in
            guard let number = entry.doubleValue else { throw TunerError.invalidValue(field: key, reason: "the value for \(name) must be a number") }
            return (name, number)
        }
    }
}
