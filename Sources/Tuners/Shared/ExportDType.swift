import Foundation
import JSON
import Models
import Tensors

/// The float type a merged model is written in (`lorakit merge --dtype`, the workbench's
/// `export DIR --dtype`), as transformers' `save_pretrained` writes a model of that dtype: every
/// floating tensor in it, and `torch_dtype` in `config.json`. Whatever the base weights are stored
/// as (float32, bf16, f16 or nf4), they are dequantised and the adapter's update added in float32
/// first; only the result is rounded.
public enum ExportDType: String, Sendable, CaseIterable {
    case float32, bfloat16, float16

    /// The dtype named `text` (`bf16`, `fp16`, `f16`, `fp32`, `f32` are taken too), or an error listing the choices.
    public init(parsing text: String) throws {
        let aliases: [String: ExportDType] = ["bf16": .bfloat16, "fp16": .float16, "f16": .float16, "half": .float16, "fp32": .float32, "f32": .float32]
        guard let dtype = ExportDType(rawValue: text.lowercased()) ?? aliases[text.lowercased()] else {
            throw TunerError.invalidValue(field: "dtype", reason: "unknown export dtype \(text); choose one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = dtype
    }

    /// The checkpoint's own float type, the default for export: the float dtype (F32, BF16, F16)
    /// holding most of the checkpoint's elements in `directory`; float32 when it holds another
    /// type or none can be read.
    public static func ofCheckpoint(in directory: URL) -> ExportDType {
        guard let checkpoint = try? SafeTensorsCheckpoint.open(directory: directory) else { return .float32 }
        var elements: [SafeTensorsDType: Int] = [:]
        for name in checkpoint.names {
            guard let info = checkpoint.info(named: name) else { continue }
            elements[info.dtype, default: 0] += info.shape.reduce(1, *)
        }
        let byDType: [SafeTensorsDType: ExportDType] = [.f32: .float32, .bf16: .bfloat16, .f16: .float16]
        return elements.max { $0.value < $1.value }.flatMap { byDType[$0.key] } ?? .float32
    }

    /// The `torch_dtype` transformers writes for it.
    var torchName: String { rawValue }

    /// The safetensors dtype its tensors are stored as.
    var safeTensorsDType: SafeTensorsDType {
        switch self {
        case .float32: .f32
        case .bfloat16: .bf16
        case .float16: .f16
        }
    }

    /// As `value(of:)`, but never the parameter's own tensor: the values stay as they are now when
    /// the parameter changes afterwards (a merged weight put back as it was once it is read).
    func detachedValue(of parameter: Parameter) throws -> SafeTensorsValue {
        self == .float32 ? .float32(try parameter.value().copy()) : try value(of: parameter)
    }

    /// `parameter`'s values as this dtype: a weight already stored in it is written bit for bit;
    /// any other is dequantised to float32 and rounded to nearest.
    func value(of parameter: Parameter) throws -> SafeTensorsValue {
        let half: (dtype: SafeTensorsDType, round: (Float) -> UInt16)
        switch self {
        case .float32: return .float32(try parameter.value())
        case .bfloat16:
            if case let .bfloat16(bits)? = parameter.frozen?.storage { return .halfFloat(.bf16, shape: parameter.shape, bits: bits) }
            half = (.bf16, HalfPrecision.bf16(from:))
        case .float16:
            if case let .float16(bits)? = parameter.frozen?.storage { return .halfFloat(.f16, shape: parameter.shape, bits: bits) }
            half = (.f16, HalfPrecision.f16(from:))
        }
        let values = try parameter.value()
        return .halfFloat(half.dtype, shape: parameter.shape, bits: values.withUnsafeBufferPointer { $0.map(half.round) })
    }

    /// `config.json`'s text with `torch_dtype` (and `dtype`, which newer transformers write, when
    /// present) set to this dtype; the other members are kept as they are.
    func config(_ data: Data, path: String) throws -> Data {
        guard case let .object(members) = try JSONParser.parse(data) else {
            throw TunerError.invalidConfig(path: path, reason: "config.json is not a JSON object")
        }
        var updated = members.map { member in
            member.key == "torch_dtype" || member.key == "dtype" ? (key: member.key, value: JSONValue.string(torchName)) : member
        }
        if !updated.contains(where: { $0.key == "torch_dtype" || $0.key == "dtype" }) { updated.append((key: "torch_dtype", value: .string(torchName))) }
        return Data((JSONValue.object(updated).prettyText + "\n").utf8)
    }
}
