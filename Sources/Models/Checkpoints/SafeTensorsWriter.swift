import JSON
import Jinja
import Foundation
import Tensors
import Tokenizers

/// Writes tensors to a `.safetensors` file exactly as the Python `safetensors` package does: a compact
/// JSON header (`__metadata__` first, then the tensors) padded with spaces to a multiple of 8 bytes,
/// then the data laid out contiguously in the reference writer's order — by dtype (I64 before F32),
/// then by name in byte order. Files with at most one metadata key come out byte-identical to
/// Python's (which orders several metadata keys at random; here they are sorted).
public enum SafeTensorsWriter {
    /// Writes `tensors` and `metadata` to `url` through a temporary file in the same folder that is
    /// renamed over `url` when complete. `metadata` nil writes no `__metadata__` entry.
    public static func write(_ tensors: [String: SafeTensorsValue], metadata: [String: String]? = nil, to url: URL) throws {
        let ordered = try layout(tensors, file: url.path)
        let header = headerBytes(ordered, metadata: metadata)
        let file = try AtomicFileWriter(url: url)
        try withUnsafeBytes(of: UInt64(header.count).littleEndian) { try file.append($0) }
        try header.withUnsafeBytes { try file.append($0) }
        for (_, value) in ordered {
            try value.withBytes { try file.append($0) }
        }
        try file.commit()
    }

    /// Writes float32 tensors; see `write(_:metadata:to:)`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String]? = nil, to url: URL) throws {
        try write(tensors.mapValues { .float32($0) }, metadata: metadata, to: url)
    }

    /// The entries in data order, after checking that each can be stored.
    private static func layout(_ tensors: [String: SafeTensorsValue], file: String) throws -> [(name: String, value: SafeTensorsValue)] {
        for (name, value) in tensors {
            guard name != "__metadata__" else {
                throw SafeTensorsError.invalidTensorToWrite(file: file, tensor: name, reason: "the name is reserved for the metadata")
            }
            switch value {
            case let .int64(shape, values), let .integers(_, shape, values):
                guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
                    throw SafeTensorsError.invalidTensorToWrite(file: file, tensor: name,
                        reason: "shape \(shape) does not hold the \(values.count) values given")
                }
                guard let range = SafeTensorsValue.integerRanges[value.dtype] else {
                    throw SafeTensorsError.invalidTensorToWrite(file: file, tensor: name, reason: "\(value.dtype.rawValue) is not an integer dtype")
                }
                if let outside = values.first(where: { !range.contains($0) }) {
                    throw SafeTensorsError.invalidTensorToWrite(file: file, tensor: name, reason: "\(outside) does not fit \(value.dtype.rawValue)")
                }
            case let .halfFloat(dtype, shape, bits):
                guard dtype == .bf16 || dtype == .f16 else {
                    throw SafeTensorsError.invalidTensorToWrite(file: file, tensor: name, reason: "\(dtype.rawValue) is not a 16-bit float dtype")
                }
                guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == bits.count else {
                    throw SafeTensorsError.invalidTensorToWrite(file: file, tensor: name, reason: "shape \(shape) does not hold the \(bits.count) values given")
                }
            case .float32: break
            }
        }
        return tensors.map { (name: $0.key, value: $0.value) }.sorted { a, b in
            a.value.dtype != b.value.dtype ? a.value.dtype.layoutRank > b.value.dtype.layoutRank
                : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }

    /// The JSON header for `ordered`, padded with spaces to a multiple of 8 bytes.
    private static func headerBytes(_ ordered: [(name: String, value: SafeTensorsValue)], metadata: [String: String]?) -> [UInt8] {
        var members: [String] = []
        if let metadata {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { JSONString.quoted($0.key) + ":" + JSONString.quoted($0.value) }
            members.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for (name, value) in ordered {
            let end = offset + value.shape.reduce(value.dtype.byteSize, *)
            let shape = value.shape.map(String.init).joined(separator: ",")
            members.append(JSONString.quoted(name) + ":{\"dtype\":\"\(value.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array(("{" + members.joined(separator: ",") + "}").utf8)
        bytes += repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8)
        return bytes
    }
}
