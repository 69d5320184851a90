import JSON
import Foundation

extension LoraConfig {
    /// PEFT fields that lorakit keeps without interpreting, with PEFT 0.21's defaults.
    static let passiveDefaults: [(key: String, value: JSONValue)] = [
        ("alora_invocation_tokens", .null), ("arrow_config", .null), ("corda_config", .null),
        ("ensure_weight_tying", .bool(false)), ("eva_config", .null), ("kasa_config", .null), ("loftq_config", .object([])),
        ("lora_ga_config", .null), ("megatron_config", .null), ("megatron_core", .string("megatron.core")),
        ("monteclora_config", .null), ("qalora_group_size", .int(16)),
        ("use_bdlora", .null), ("use_qalora", .bool(false)), ("velora_config", .null),
    ]

    /// LoRA's own keys, which lorakit interprets.
    static let ownKeys: Set<String> = [
        "r", "lora_alpha", "lora_dropout", "fan_in_fan_out", "bias", "use_rslora", "init_lora_weights", "rank_pattern",
        "alpha_pattern", "use_dora", "lora_bias", "layer_replication", "target_parameters", "trainable_token_indices",
        "runtime_config",
    ]

    /// The keys lorakit interprets: the base and targeting fields and LoRA's own.
    static let interpretedKeys = PeftBaseFields.keys.union(TargetingFields.keys).union(ownKeys)

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
        let reader = try JSONFieldReader(object: json)
        self.init()
        var passive = Dictionary(Self.passiveDefaults, uniquingKeysWith: { a, _ in a })
        for (key, value) in json.members ?? [] where !Self.interpretedKeys.contains(key) && !methodKeys.contains(key) {
            if passive[key] != nil { passive[key] = value } else { unknownFields.append((key, value)) }
        }
        passiveFields = Self.passiveDefaults.map { ($0.key, passive[$0.key]!) }
        let values = reader.values
        base = try PeftBaseFields(reader, method: method)
        targeting = try TargetingFields(reader)
        r = try reader.int("r") ?? 8
        loraAlpha = try reader.double("lora_alpha") ?? 8
        loraDropout = try reader.double("lora_dropout") ?? 0
        fanInFanOut = try reader.bool("fan_in_fan_out") ?? false
        let biasText = try reader.string("bias") ?? "none"
        guard let bias = Bias(rawValue: biasText) else {
            throw TunerError.invalidValue(field: "bias", reason: "\"\(biasText)\" is not one of \"none\", \"all\", \"lora_only\"")
        }
        self.bias = bias
        useRslora = try reader.bool("use_rslora") ?? false
        initLoraWeights = try values["init_lora_weights"].map { try LoraInitialization(json: $0, config: values) } ?? .kaimingUniform
        rankPattern = try methodKeys.contains("rank_pattern") ? [] : reader.pattern("rank_pattern").map { key, value in
            guard let rank = Int(exactly: value) else { throw TunerError.invalidValue(field: "rank_pattern", reason: "rank for \(key) must be an integer") }
            return (key, rank)
        }
        alphaPattern = try reader.pattern("alpha_pattern")
        useDora = try reader.bool("use_dora") ?? false
        loraBias = try reader.bool("lora_bias") ?? false
        layerReplication = try LayerReplication(json: values["layer_replication"] ?? .null)
        if let value = values["target_parameters"], case .string = value {
            throw TunerError.invalidValue(field: "target_parameters", reason: "`target_parameters` must be a list of strings or None.")
        }
        targetParameters = try reader.strings("target_parameters")
        trainableTokenIndices = try TrainableTokenIndices(json: values["trainable_token_indices"] ?? .null)
        runtimeConfig = try values["runtime_config"].flatMap { $0.isNull ? nil : try LoraRuntimeConfig(json: $0) }
        try validate()
    }

    /// The JSON object PEFT's `save_pretrained` writes (every field, unknown ones included).
    public var json: JSONValue {
        var members = base.json + targeting.json
        members += [
            ("r", .int(r)),
            ("lora_alpha", .number(loraAlpha)),
            ("lora_dropout", .double(loraDropout)),
            ("fan_in_fan_out", .bool(fanInFanOut)),
            ("bias", .string(bias.rawValue)),
            ("use_rslora", .bool(useRslora)),
            ("init_lora_weights", initLoraWeights.json),
            ("rank_pattern", .object(rankPattern.map { ($0.key, .int($0.value)) })),
            ("alpha_pattern", .object(alphaPattern.map { ($0.key, .number($0.value)) })),
            ("use_dora", .bool(useDora)),
            ("lora_bias", .bool(loraBias)),
            ("layer_replication", layerReplication?.json ?? .null),
            ("target_parameters", targetParameters.map { .strings($0) } ?? .null),
            ("trainable_token_indices", trainableTokenIndices?.json ?? .null),
        ]
        if let runtimeConfig { members.append(("runtime_config", runtimeConfig.json)) }
        members += passiveFields
        members += unknownFields
        return .object(members)
    }
}
