import JSON
import Foundation
import Tensors

/// Builds a model from a transformers `config.json` and fills it from `model.safetensors` (or
/// shards), as `AutoModel.from_pretrained` does: the architecture comes from `architectures`, or
/// else `model_type`; tied weights are shared; f16/bf16 weights load as f32.
public enum ModelLoader {
    /// The transformers class names lorakit implements.
    public static let supportedArchitectures = ["GPT2LMHeadModel", "GPT2Model"]
        + DecoderFamily.allCases.flatMap { [$0.causalLMArchitecture, $0.bareArchitecture] }
        + ["BertModel", "BertForSequenceClassification"]

    /// The `model_type` values lorakit implements, each with the class it builds when
    /// `architectures` names none lorakit knows.
    static let architectureByModelType: [String: String] = ["gpt2": "GPT2LMHeadModel", "bert": "BertModel"]
        .merging(DecoderFamily.allCases.map { ($0.rawValue, $0.causalLMArchitecture) }) { $1 }

    /// Checkpoint entries that are buffers, not parameters, in some transformers versions; skipped.
    static let ignoredBufferSuffixes = ["position_ids", "attn.bias", "attn.masked_bias", "rotary_emb.inv_freq"]

    /// What loading found besides the model.
    public struct Report: Sendable, Equatable {
        /// Checkpoint tensors that no parameter took (buffers excepted).
        public var unexpected: [String] = []
        /// Task-head parameters the checkpoint lacked, freshly initialised as transformers does
        /// when a base checkpoint is loaded into a classification model.
        public var initializedHeads: [String] = []
    }

    /// A model with its weights (or shapes only with `meta`) and what loading noticed. With a
    /// `storage` other than float32, weights are packed as they are read, one tensor at a time, so
    /// the float32 model is never held whole.
    public static func load(directory: URL, meta: Bool = false, seed: UInt64 = 0,
                            storage: BaseStorage = .float32) throws -> (model: any PretrainedModel, report: Report) {
        let config = try ConfigReader(contentsOf: directory.appendingPathComponent("config.json"))
        let model = try build(config: config, factory: ParameterFactory(.meta))
        guard !meta else { return (model, Report()) }
        try refusePrequantized(config)
        let checkpoint = try SafeTensorsCheckpoint.open(directory: directory)
        let report = try fill(model, from: checkpoint, path: directory.path, config: config, seed: seed, storage: storage)
        return (model, report)
    }

    /// The model `config` describes with fresh weights from `seed` (transformers' `from_config`,
    /// a recipe's `from_scratch`), initialised straight into `storage`.
    public static func initialize(config: ConfigReader, seed: UInt64, storage: BaseStorage = .float32) throws -> any PretrainedModel {
        let std = Float(try config.double("initializer_range", default: 0.02))
        let deferring = storage.dtype != .float32
        let factory = ParameterFactory(.initialized(std: std, seed: seed), deferringWeights: deferring)
        let model = try build(config: config, factory: factory)
        if deferring { try storage.initialize(model, from: factory) }
        return model
    }

    /// Refuses a checkpoint saved already quantised (transformers' `quantization_config`: bitsandbytes
    /// 4- or 8-bit, GPTQ, AWQ, ...), whose packed tensors lorakit does not read.
    static func refusePrequantized(_ config: ConfigReader) throws {
        guard let quantization = config.values["quantization_config"], quantization.members != nil else { return }
        let method = quantization["quant_method"]?.stringValue ?? "an unnamed method"
        throw ModelError.invalidConfig(path: config.path, reason: """
            the checkpoint was saved quantised (quantization_config, \(method)); lorakit does not read pre-quantised \
            weights (.absmax, .quant_map, quant_state tensors). Load the original float32/bf16/f16 checkpoint and let \
            lorakit quantise it on load (base_dtype: nf4, or load MODEL --dtype nf4)
            """)
    }

    /// The model `config` describes, with parameters from `factory`.
    public static func build(config: ConfigReader, factory: ParameterFactory) throws -> any PretrainedModel {
        let architectures = (try? config.optionalStrings("architectures")) ?? []
        let modelType = try config.string("model_type", default: "")
        guard let architecture = architectures.first(where: supportedArchitectures.contains) ?? architectureByModelType[modelType] else {
            let named = architectures.first.map { "\($0) (model_type \(modelType.isEmpty ? "none" : modelType))" }
                ?? (modelType.isEmpty ? "(none named in config.json)" : "model_type \(modelType)")
            throw ModelError.unsupportedArchitecture(named, supported: supportedArchitectures,
                                                     modelTypes: architectureByModelType.keys.sorted())
        }
        switch architecture {
        case "GPT2LMHeadModel", "GPT2Model":
            return try GPT2Model(config: GPT2Config(config), withLMHead: architecture == "GPT2LMHeadModel", factory: factory, configPath: config.path)
        case "BertModel", "BertForSequenceClassification":
            return try BertModel(config: BertConfig(config), forClassification: architecture == "BertForSequenceClassification",
                                 factory: factory, configPath: config.path)
        default:
            let family = DecoderFamily(architecture: architecture)!
            return try DecoderModel(config: DecoderConfig(config, family: family), withLMHead: architecture == family.causalLMArchitecture,
                                    factory: factory, configPath: config.path)
        }
    }

    /// Assigns every parameter of `model` from the checkpoint. A name absent from the checkpoint is
    /// also looked up without the base-model prefix (`transformer.`, `model.`, `bert.`) and with it,
    /// as transformers does for checkpoints of the bare model.
    static func fill(_ model: any PretrainedModel, from checkpoint: any SafeTensorsCollection, path: String,
                     config: ConfigReader, seed: UInt64, storage: BaseStorage = .float32) throws -> Report {
        let formats = storage.formats(for: model)
        let available = Set(checkpoint.names)
        let prefixes = ["transformer.", "model.", "bert."]
        var used = Set<String>()
        var missing: [String] = []
        var report = Report()
        // Fresh heads draw from `Tensor.normal` (not `FastNormal`, the whole-model init), one stream in parameter order.
        let headStd = Float(try config.double("initializer_range", default: 0.02))
        var headGenerator = RandomGenerator(seed: seed)
        for (name, parameter) in model.namedParameters() {
            let candidates = [name] + prefixes.compactMap { name.hasPrefix($0) ? String(name.dropFirst($0.count)) : nil } + prefixes.map { $0 + name }
            if let found = candidates.first(where: available.contains) {
                if let format = formats[ObjectIdentifier(parameter)] {
                    try parameter.pack(storage.pack(found, of: checkpoint, as: format), name: found)
                } else {
                    try parameter.assign(checkpoint.tensor(named: found), name: found)
                }
                used.insert(found)
            } else if model.outputLayerNames.contains(where: { name.hasPrefix($0 + ".") }) && model.task == .sequenceClassification {
                let fresh = name.hasSuffix("bias") ? Tensor.zeros(parameter.shape) : Tensor.normal(parameter.shape, std: headStd, generator: &headGenerator)
                try parameter.assign(fresh, name: name)
                report.initializedHeads.append(name)
            } else {
                missing.append(name)
            }
        }
        report.unexpected = available.subtracting(used).filter { name in !ignoredBufferSuffixes.contains { name.hasSuffix($0) } }.sorted()
        guard missing.isEmpty else {
            throw ModelError.checkpointMismatch(path: path, missing: missing, unexpected: report.unexpected)
        }
        return report
    }
}
