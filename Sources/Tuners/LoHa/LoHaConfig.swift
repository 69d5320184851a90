import JSON
import Models
import Tensors

/// PEFT's `LoHaConfig` (`tuners/loha/config.py`): the base and targeting fields, the LyCORIS fields
/// (`r`, `alpha`, `rank_dropout`, `module_dropout`, `use_effective_conv2d`, `rank_pattern`,
/// `alpha_pattern`) and `init_weights`, with PEFT's keys and defaults. No `lora_alpha`, `bias` or
/// `lora_dropout`: PEFT writes none of them for LoHa.
public struct LoHaConfig: PeftConfig {
    public var base = PeftBaseFields(peftType: .loha)
    public var targeting = TargetingFields()
    public var lycoris = LycorisFields()
    /// `init_weights`: true, PEFT's default, starts `hada_w2_b` at zero (the adapter changes
    /// nothing at first); false makes all four factors random.
    public var initWeights = true
    /// Keys of the file that PEFT 0.21 does not know; kept and written back.
    public var unknownFields: [(key: String, value: JSONValue)] = []

    static let ownKeys: Set<String> = ["init_weights"]

    public init(r: Int = 8, alpha: Double = 8, targetModules: TargetModules? = nil) {
        lycoris = LycorisFields(r: r, alpha: alpha)
        targeting.targetModules = targetModules
    }

    /// Reads the JSON object PEFT writes for a LoHa adapter, and validates it.
    public init(json: JSONValue) throws {
        let reader = try JSONFieldReader(object: json)
        base = try PeftBaseFields(reader, method: .loha)
        targeting = try TargetingFields(reader)
        lycoris = try LycorisFields(reader)
        initWeights = try reader.bool("init_weights") ?? true
        unknownFields = JSONFieldReader.unknownMembers(of: json, known: PeftBaseFields.keys.union(TargetingFields.keys).union(LycorisFields.keys).union(Self.ownKeys))
        try validate()
    }

    public var json: JSONValue {
        .object(base.json + targeting.json + lycoris.json + [("init_weights", .bool(initWeights))] + unknownFields)
    }

    /// PEFT's `LoHaConfig.__post_init__` and `update_layer` checks.
    public func validate() throws {
        try lycoris.validate()
        try targeting.validate()
    }

    public var unknownKeys: [String] { unknownFields.map(\.key) }

    public func moduleSummary(for name: String) throws -> String { try lycoris.moduleSummary(for: name) }

    public var summary: String { "loha r=\(lycoris.r) alpha=\(JSONValue.number(lycoris.alpha).pythonJSONText())" }

    /// PEFT's `LoHaModel._create_and_replace`: a LoHa adapter on a `Linear` (a new `loha.Linear`, or
    /// another adapter on one), with the module's rank and alpha from the patterns.
    public mutating func addAdapter(_ name: String, to target: Module, key: String, generator: inout RandomGenerator) throws -> (any AdapterLayer)? {
        let layer = try target as? LoHaLinear ?? LoHaLinear(wrapping: target, path: key)
        let settings = try lycoris.settings(for: key, seed: generator.next())
        for shape in [[layer.outFeatures, settings.r], [settings.r, layer.inFeatures]] {
            try SharedAdapterTensor.checkSize(shape, field: "r", what: "a LoHa factor of \(key)")
        }
        layer.add(name, settings: settings, factors: LoHaFactors(r: settings.r, outFeatures: layer.outFeatures, inFeatures: layer.inFeatures,
                                                                 random: !initWeights, generator: &generator))
        return layer === target ? nil : layer
    }
}
