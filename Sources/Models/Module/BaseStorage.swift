import Tensors

/// How a model's frozen base weights are kept in memory (a recipe's `base_dtype`, `load --dtype`).
/// Computation is float32 whatever the storage: a packed weight is dequantised right before use.
///
/// - `float32`: every weight as float32 (the default; nothing is packed).
/// - `bfloat16`, `float16`: the weights of linear layers and embeddings in 16 bits; norms and
///   biases stay float32 (they are small).
/// - `nf4`: the weights of linear layers NF4-quantised as bitsandbytes does; like bitsandbytes
///   (which keeps the output embeddings out of 4 bits), the output layers (`lm_head`, a classifier)
///   and the embeddings are bfloat16.
///
/// Adapters, gradients and optimizer state are always float32.
public struct BaseStorage: Sendable, Equatable, CustomStringConvertible {
    /// The `base_dtype` values.
    public enum DType: String, Sendable, CaseIterable {
        case float32, bfloat16, float16, nf4
    }

    public var dtype: DType
    /// With nf4, quantise the block absmax values too (`bnb_4bit_use_double_quant`).
    public var doubleQuantization: Bool

    /// Everything float32.
    public static let float32 = BaseStorage(dtype: .float32)

    public init(dtype: DType, doubleQuantization: Bool = false) {
        self.dtype = dtype
        self.doubleQuantization = doubleQuantization
    }

    /// The storage named `text` (`float32`, `bfloat16`, `float16`, `nf4`; `bf16`, `fp16`, `f16`, `fp32`
    /// and `f32` are taken too), or an error listing the choices.
    public init(parsing text: String, doubleQuantization: Bool = false) throws {
        let aliases: [String: DType] = ["bf16": .bfloat16, "fp16": .float16, "f16": .float16, "half": .float16, "fp32": .float32, "f32": .float32]
        guard let dtype = DType(rawValue: text.lowercased()) ?? aliases[text.lowercased()] else {
            throw ModelError.invalidInput("unknown base dtype \(text); choose one of \(DType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(dtype: dtype, doubleQuantization: doubleQuantization)
    }

    public var description: String { dtype == .nf4 && doubleQuantization ? "nf4 (double quantisation)" : dtype.rawValue }

    /// The packed format of every parameter of `model` that this storage packs, by parameter.
    public func formats(for model: any PretrainedModel) -> [ObjectIdentifier: FrozenFormat] {
        let half: FrozenFormat
        switch dtype {
        case .float32: return [:]
        case .bfloat16, .nf4: half = .bfloat16
        case .float16: half = .float16
        }
        var formats: [ObjectIdentifier: FrozenFormat] = [:]
        let outputs = Set(model.outputLayerNames)
        for (name, module) in model.namedModules() {
            let (weight, format): (Parameter?, FrozenFormat)
            switch module {
            case let embedding as Embedding: (weight, format) = (embedding.weight, half)
            case let linear as Linear: (weight, format) = (linear.weight, outputs.contains(name) || dtype != .nf4 ? half : .nf4)
            case let conv as Conv1D: (weight, format) = (conv.weight, dtype == .nf4 ? .nf4 : half)
            default: continue
            }
            // A tied weight keeps the format of its first holder (the embedding).
            if let weight, formats[ObjectIdentifier(weight)] == nil { formats[ObjectIdentifier(weight)] = format }
        }
        return formats
    }

    /// Packs `values` as `format`.
    func pack(_ values: Tensor, as format: FrozenFormat) -> FrozenWeight {
        FrozenWeight(packing: values, as: format, doubleQuantization: doubleQuantization && format == .nf4)
    }

    /// The tensor `name` of `checkpoint` packed as `format`: a bf16 (f16) tensor stored as bf16
    /// (f16) is taken as it is, bit for bit, with no float32 copy; others are converted first.
    func pack(_ name: String, of checkpoint: any SafeTensorsCollection, as format: FrozenFormat) throws -> FrozenWeight {
        if let info = checkpoint.info(named: name), (format, info.dtype) == (.bfloat16, .bf16) || (format, info.dtype) == (.float16, .f16) {
            let bits = try checkpoint.withRawBytes(of: name) { info, raw in
                (0 ..< info.shape.reduce(1, *)).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            }
            return FrozenWeight(shape: info.shape, storage: format == .bfloat16 ? .bfloat16(bits) : .float16(bits))
        }
        return pack(try checkpoint.tensor(named: name), as: format)
    }

    /// Gives every deferred weight of `model` its values from `factory`, packed where this storage
    /// packs them, one weight at a time (a model initialised from its config, `from_scratch`).
    func initialize(_ model: any PretrainedModel, from factory: ParameterFactory) throws {
        let formats = self.formats(for: model)
        for (name, parameter) in model.namedParameters() {
            guard let values = factory.initialValues(of: parameter) else { continue }
            if let format = formats[ObjectIdentifier(parameter)] {
                try parameter.pack(pack(values, as: format), name: name)
            } else {
                try parameter.assign(values, name: name)
            }
        }
    }
}
