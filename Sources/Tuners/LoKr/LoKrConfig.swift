import JSON
import Models
import Tensors

/// PEFT's `LoKrConfig` (`tuners/lokr/config.py`): the base and targeting fields, the LyCORIS fields,
/// and LoKr's own `decompose_both`, `decompose_factor`, `rank_dropout_scale` and `init_weights`,
/// with PEFT's keys and defaults.
public struct LoKrConfig: PeftConfig {
    /// `init_weights`: how a new adapter starts.
    public enum Initialization: String, Sendable {
        /// `true`: `w1` (or `w1_a`) zero, the rest Kaiming-uniform; the adapter changes nothing at first.
        case standard
        /// `false`: every factor Kaiming-uniform.
        case random
        /// `"lycoris"`: as the LyCORIS repository: `w2` (or `w2_b`) zero, the rest Kaiming-uniform.
        case lycoris

        var json: JSONValue {
            switch self {
            case .standard: return .bool(true)
            case .random: return .bool(false)
            case .lycoris: return .string("lycoris")
            }
        }

        init(json: JSONValue) throws {
            switch json {
            case let .bool(value): self = value ? .standard : .random
            case let .string(text) where text.lowercased() == "lycoris": self = .lycoris
            default: throw TunerError.invalidValue(field: "init_weights", reason: "must be true, false or \"lycoris\", not \(json.pythonJSONText())")
            }
        }
    }

    public var base = PeftBaseFields(peftType: .lokr)
    public var targeting = TargetingFields()
    public var lycoris = LycorisFields()
    /// `decompose_both`: factor the left Kronecker matrix `w1` too, when the rank is small enough.
    public var decomposeBoth = false
    /// `decompose_factor`: the factor `factorization` aims for; -1 for the divisor pair nearest √dim.
    public var decomposeFactor = -1
    /// `rank_dropout_scale`: whether rank dropout rescales the kept rows.
    public var rankDropoutScale = false
    public var initWeights = Initialization.standard
    /// Keys of the file that PEFT 0.21 does not know; kept and written back.
    public var unknownFields: [(key: String, value: JSONValue)] = []

    static let ownKeys: Set<String> = ["decompose_both", "decompose_factor", "rank_dropout_scale", "init_weights"]

    public init(r: Int = 8, alpha: Double = 8, targetModules: TargetModules? = nil) {
        lycoris = LycorisFields(r: r, alpha: alpha)
        targeting.targetModules = targetModules
    }

    /// Reads the JSON object PEFT writes for a LoKr adapter, and validates it.
    public init(json: JSONValue) throws {
        let reader = try JSONFieldReader(object: json)
        base = try PeftBaseFields(reader, method: .lokr)
        targeting = try TargetingFields(reader)
        lycoris = try LycorisFields(reader)
        decomposeBoth = try reader.bool("decompose_both") ?? false
        decomposeFactor = try reader.int("decompose_factor") ?? -1
        rankDropoutScale = try reader.bool("rank_dropout_scale") ?? false
        initWeights = try reader.value("init_weights").map(Initialization.init(json:)) ?? .standard
        unknownFields = JSONFieldReader.unknownMembers(of: json, known: PeftBaseFields.keys.union(TargetingFields.keys).union(LycorisFields.keys).union(Self.ownKeys))
        try validate()
    }

    public var json: JSONValue {
        let own: [(key: String, value: JSONValue)] = [
            ("decompose_both", .bool(decomposeBoth)), ("decompose_factor", .int(decomposeFactor)),
            ("rank_dropout_scale", .bool(rankDropoutScale)), ("init_weights", initWeights.json),
        ]
        return .object(base.json + targeting.json + lycoris.json + own + unknownFields)
    }

    /// PEFT's `LoKrConfig.__post_init__` and `update_layer` checks.
    public func validate() throws {
        try lycoris.validate()
        try targeting.validate()
    }

    public var unknownKeys: [String] { unknownFields.map(\.key) }

    public func moduleSummary(for name: String) throws -> String { try lycoris.moduleSummary(for: name) }

    public var summary: String {
        "lokr r=\(lycoris.r) alpha=\(JSONValue.number(lycoris.alpha).pythonJSONText())" + (decomposeBoth ? " decompose_both" : "")
            + (decomposeFactor == -1 ? "" : " factor=\(decomposeFactor)")
    }

    /// PEFT's `LoKrModel._create_and_replace`: a LoKr adapter on a `Linear`, its Kronecker shapes
    /// from `factorization` and which factors are low-rank from PEFT's rules.
    public mutating func addAdapter(_ name: String, to target: Module, key: String, generator: inout RandomGenerator) throws -> (any AdapterLayer)? {
        let layer = try target as? LoKrLinear ?? LoKrLinear(wrapping: target, path: key)
        let settings = try lycoris.settings(for: key, seed: generator.next())
        let shape = LoKrShape(outFeatures: layer.outFeatures, inFeatures: layer.inFeatures, r: settings.r,
                              decomposeBoth: decomposeBoth, decomposeFactor: decomposeFactor)
        for sides in [[shape.outL, shape.r], [shape.r, shape.inM], [shape.outK, shape.r], [shape.r, shape.inN]] {
            try SharedAdapterTensor.checkSize(sides, field: "r", what: "a LoKr factor of \(key)")
        }
        layer.add(name, settings: settings, rescalesRankDropout: rankDropoutScale,
                  factors: shape.initialFactors(initWeights, generator: &generator))
        return layer === target ? nil : layer
    }
}
