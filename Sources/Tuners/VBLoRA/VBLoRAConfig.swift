import JSON
import Models
import Tensors

/// PEFT's `VBLoRAConfig` (`tuners/vblora/config.py`): the base and targeting fields and VB-LoRA's
/// own, with PEFT's keys and defaults. The adapter's vector bank is made by
/// `prepareSharedTensors` and shared by every layer of the adapter.
public struct VBLoRAConfig: PeftConfig {
    public var base = PeftBaseFields(peftType: .vblora)
    public var targeting = TargetingFields()
    /// `r`: the rank of each layer's update.
    public var r = 4
    /// `num_vectors`: how many vectors the bank holds.
    public var numVectors = 256
    /// `vector_length`: the length of each bank vector; it must divide every wrapped layer's sizes.
    public var vectorLength = 256
    /// `topk`: how many bank vectors each sub-vector mixes.
    public var topk = 2
    /// `save_only_topk_weights`: save each row's top-k indices and weights instead of its logits
    /// (smaller, for inference and merging only).
    public var saveOnlyTopkWeights = false
    public var vbloraDropout: Double = 0
    public var fanInFanOut = false
    public var bias = LoraConfig.Bias.none
    /// `init_vector_bank_bound`: the bank starts uniform in ±this.
    public var initVectorBankBound: Double = 0.02
    /// `init_logits_std`: the logits start normal with this standard deviation.
    public var initLogitsStd: Double = 0.1
    /// Keys of the file that PEFT 0.21 does not know; kept and written back.
    public var unknownFields: [(key: String, value: JSONValue)] = []
    /// The adapter's vector bank `[num_vectors, vector_length]`, once `prepareSharedTensors` made it.
    public private(set) var vectorBank: Parameter?

    static let ownKeys: Set<String> = [
        "r", "num_vectors", "vector_length", "topk", "save_only_topk_weights", "vblora_dropout", "fan_in_fan_out", "bias",
        "init_vector_bank_bound", "init_logits_std",
    ]
    /// The name of the shared bank, in the model and in the file (`base_model.vblora_vector_bank`).
    static let bankName = "vblora_vector_bank"

    public init(r: Int = 4, numVectors: Int = 256, vectorLength: Int = 256, targetModules: TargetModules? = nil) {
        (self.r, self.numVectors, self.vectorLength) = (r, numVectors, vectorLength)
        targeting.targetModules = targetModules
    }

    /// Reads the JSON object PEFT writes for a VB-LoRA adapter, and validates it.
    public init(json: JSONValue) throws {
        let reader = try JSONFieldReader(object: json)
        base = try PeftBaseFields(reader, method: .vblora)
        targeting = try TargetingFields(reader)
        r = try reader.int("r") ?? r
        numVectors = try reader.int("num_vectors") ?? numVectors
        vectorLength = try reader.int("vector_length") ?? vectorLength
        topk = try reader.int("topk") ?? topk
        saveOnlyTopkWeights = try reader.bool("save_only_topk_weights") ?? false
        vbloraDropout = try reader.double("vblora_dropout") ?? 0
        fanInFanOut = try reader.bool("fan_in_fan_out") ?? false
        bias = try MethodBias.read(reader, prefix: "vblora")
        initVectorBankBound = try reader.double("init_vector_bank_bound") ?? initVectorBankBound
        initLogitsStd = try reader.double("init_logits_std") ?? initLogitsStd
        unknownFields = JSONFieldReader.unknownMembers(of: json, known: PeftBaseFields.keys.union(TargetingFields.keys).union(Self.ownKeys))
        try validate()
    }

    public var json: JSONValue {
        let own: [(key: String, value: JSONValue)] = [
            ("r", .int(r)), ("num_vectors", .int(numVectors)), ("vector_length", .int(vectorLength)), ("topk", .int(topk)),
            ("save_only_topk_weights", .bool(saveOnlyTopkWeights)), ("vblora_dropout", .double(vbloraDropout)),
            ("fan_in_fan_out", .bool(fanInFanOut)), ("bias", MethodBias.json(bias, prefix: "vblora")),
            ("init_vector_bank_bound", .double(initVectorBankBound)), ("init_logits_std", .double(initLogitsStd)),
        ]
        return .object(base.json + targeting.json + own + unknownFields)
    }

    /// PEFT's `update_layer` checks of the sizes, and the dropout's range.
    public func validate() throws {
        for (field, value) in [("r", r), ("topk", topk), ("num_vectors", numVectors), ("vector_length", vectorLength)] where value <= 0 {
            throw TunerError.invalidValue(field: field, reason: "`\(field)` \(value) should be a positive integer value")
        }
        guard topk <= numVectors else {
            throw TunerError.invalidValue(field: "topk", reason: "`topk` \(topk) cannot exceed `num_vectors` \(numVectors): each sub-vector mixes topk of the bank's vectors")
        }
        guard vbloraDropout >= 0, vbloraDropout < 1 else {
            throw TunerError.invalidValue(field: "vblora_dropout", reason: "is a probability and must be in [0, 1); got \(vbloraDropout)")
        }
        guard initLogitsStd >= 0, initVectorBankBound >= 0 else {
            throw TunerError.invalidValue(field: initLogitsStd < 0 ? "init_logits_std" : "init_vector_bank_bound", reason: "must not be negative")
        }
        try targeting.validate()
    }

    public var unknownKeys: [String] { unknownFields.map(\.key) }

    public var biasMode: LoraConfig.Bias { bias }

    public func moduleSummary(for name: String) throws -> String {
        "r=\(r), topk=\(topk); bank \(numVectors)×\(vectorLength) (\(ModuleTree.grouped(numVectors * vectorLength)) values) shared by every wrapped layer"
    }

    public var summary: String { "vblora r=\(r) vectors=\(numVectors)×\(vectorLength) topk=\(topk)" }

    /// PEFT's `_init_vblora_vector_bank`: one bank per adapter, uniform in ±`init_vector_bank_bound`.
    public mutating func prepareSharedTensors(for targets: [(key: String, module: Module)], generator: inout RandomGenerator) throws {
        try SharedAdapterTensor.checkSize([numVectors, vectorLength], field: "num_vectors", what: "the vector bank")
        let bound = Float(initVectorBankBound)
        vectorBank = Parameter(Tensor.uniform([numVectors, vectorLength], low: -bound, high: bound, generator: &generator))
    }

    public var sharedTensors: [SharedAdapterTensor] {
        vectorBank.map { [SharedAdapterTensor(name: Self.bankName, parameter: $0, trains: true, savedPerLayer: false)] } ?? []
    }

    /// PEFT's `VBLoRAModel._create_and_replace`: a VB-LoRA adapter on a `Linear` or `Conv1D` (with
    /// `fan_in_fan_out` set to what the layer needs), its logits normal with `init_logits_std`.
    public mutating func addAdapter(_ name: String, to target: Module, key: String, generator: inout RandomGenerator) throws -> (any AdapterLayer)? {
        guard let vectorBank else { throw TunerError.invalidState("the VB-LoRA vector bank of \(name) was not made before its layers") }
        let layer = try target as? VBLoRALinear ?? VBLoRALinear(wrapping: target, path: key)
        fanInFanOut = layer.layout == .inOut
        for (side, size) in [("in_features", layer.inFeatures), ("out_features", layer.outFeatures)] where size % vectorLength != 0 {
            throw TunerError.invalidValue(field: "vector_length", reason: "`\(side)` \(size) of \(key) must be divisible by `vector_length` \(vectorLength)")
        }
        try SharedAdapterTensor.checkSize([r, layer.inFeatures / vectorLength, numVectors], field: "r", what: "vblora_logits_A of \(key)")
        try SharedAdapterTensor.checkSize([layer.outFeatures / vectorLength, r, numVectors], field: "r", what: "vblora_logits_B of \(key)")
        let std = Float(initLogitsStd)
        let logitsA = Tensor.normal([r, layer.inFeatures / vectorLength, numVectors], std: std, generator: &generator)
        let logitsB = Tensor.normal([layer.outFeatures / vectorLength, r, numVectors], std: std, generator: &generator)
        layer.add(name, bank: vectorBank, logitsA: logitsA, logitsB: logitsB,
                  settings: VBLoRASettings(r: r, topk: topk, dropout: Float(vbloraDropout), seed: generator.next()))
        return layer === target ? nil : layer
    }

    /// PEFT's warning when `fan_in_fan_out` did not fit the layers.
    public func corrections(from original: any PeftConfig) -> [String] {
        Self.fanInFanOutCorrection(before: (original as? VBLoRAConfig)?.fanInFanOut ?? fanInFanOut, after: fanInFanOut)
    }
}
