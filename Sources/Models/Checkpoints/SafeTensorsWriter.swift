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
    /// A tensor's place in a file that `write(entries:metadata:to:values:)` writes: its name, dtype
    /// and shape, known before its values are.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: SafeTensorsDType
        public let shape: [Int]

        public init(name: String, dtype: SafeTensorsDType, shape: [Int]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
        }
    }

    /// Writes `tensors` and `metadata` to `url` through a temporary file in the same folder that is
    /// renamed over `url` when complete. `metadata` nil writes no `__metadata__` entry.
    public static func write(_ tensors: [String: SafeTensorsValue], metadata: [String: String]? = nil, to url: URL) throws {
        for (name, value) in tensors { try check(value, named: name, file: url.path) }
        try write(entries: tensors.map { Entry(name: $0.key, dtype: $0.value.dtype, shape: $0.value.shape) }, metadata: metadata, to: url) { entry in
            guard let value = tensors[entry.name] else { throw SafeTensorsError.invalidTensorToWrite(file: url.path, tensor: entry.name, reason: "no values given") }
            return value
        }
    }

    /// Writes float32 tensors; see `write(_:metadata:to:)`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String]? = nil, to url: URL) throws {
        try write(tensors.mapValues { .float32($0) }, metadata: metadata, to: url)
    }

    /// Writes a file whose tensors are made one at a time: the header is laid out from `entries`
    /// alone, then `values` is asked for each entry's values in data order, and they are written
    /// (and let go) before the next is asked for, so only one tensor need be in memory. Each value
    /// must have its entry's dtype and shape. As `write(_:metadata:to:)`, through a temporary file
    /// renamed over `url` when complete: after an error nothing is left and an existing file stays.
    public static func write(entries: [Entry], metadata: [String: String]? = nil, to url: URL,
                             values: (Entry) throws -> SafeTensorsValue) throws {
        let ordered = try layout(entries, file: url.path)
        let header = headerBytes(ordered, metadata: metadata)
        let file = try AtomicFileWriter(url: url)
        try withUnsafeBytes(of: UInt64(header.count).littleEndian) { try file.append($0) }
        try header.withUnsafeBytes { try file.append($0) }
        for entry in ordered {
            let value = try values(entry)
            guard value.dtype == entry.dtype, value.shape == entry.shape else {
                throw SafeTensorsError.invalidTensorToWrite(file: url.path, tensor: entry.name,
                    reason: "the values given are \(value.dtype.rawValue) \(value.shape), not the \(entry.dtype.rawValue) \(entry.shape) laid out")
            }
            try check(value, named: entry.name, file: url.path)
            try value.withBytes { try file.append($0) }
        }
        try file.commit()
    }

    /// Checks that `value` holds what its shape says and fits its dtype.
    private static func check(_ value: SafeTensorsValue, named name: String, file: String) throws {
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

    /// The entries in data order (by dtype, then by name), after checking that each can be stored.
    private static func layout(_ entries: [Entry], file: String) throws -> [Entry] {
        var names = Set<String>()
        for entry in entries {
            guard entry.name != "__metadata__" else {
                throw SafeTensorsError.invalidTensorToWrite(file: file, tensor: entry.name, reason: "the name is reserved for the metadata")
            }
            guard names.insert(entry.name).inserted else {
                throw SafeTensorsError.invalidTensorToWrite(file: file, tensor: entry.name, reason: "the name is given twice")
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw SafeTensorsError.invalidTensorToWrite(file: file, tensor: entry.name, reason: "shape \(entry.shape) has a negative size")
            }
        }
        return entries.sorted { a, b in
            a.dtype != b.dtype ? a.dtype.layoutRank > b.dtype.layoutRank : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }

    /// The JSON header for `ordered`, padded with spaces to a multiple of 8 bytes.
    private static func headerBytes(_ ordered: [Entry], metadata: [String: String]?) -> [UInt8] {
        var members: [String] = []
        if let metadata {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { JSONString.quoted($0.key) + ":" + JSONString.quoted($0.value) }
            members.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for entry in ordered {
            let end = offset + entry.shape.reduce(entry.dtype.byteSize, *)
            let shape = entry.shape.map(String.init).joined(separator: ",")
            members.append(JSONString.quoted(entry.name) + ":{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array(("{" + members.joined(separator: ",") + "}").utf8)
        bytes += repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8)
        return bytes
    }
}
