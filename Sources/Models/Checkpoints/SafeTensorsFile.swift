import Foundation
import Tensors

/// One `.safetensors` file, memory-mapped and with its header parsed and validated on opening.
/// Tensors are read from the mapping on demand and converted to the engine's types.
public final class SafeTensorsFile: SafeTensorsCollection, @unchecked Sendable {
    /// The file's path (or the name given to in-memory bytes), as used in error messages.
    public let path: String
    /// The header's `__metadata__` strings (PEFT writes `{"format": "pt"}`); empty if absent.
    public let metadata: [String: String]
    /// Every tensor's header entry, in the order of their data in the file.
    public let tensorInfos: [SafeTensorsTensorInfo]

    private let storage: MappedBytes
    private let dataStart: Int
    private let indexByName: [String: Int]

    /// Opens and validates the file at `url`, mapping it into memory without reading tensor data.
    public convenience init(contentsOf url: URL) throws {
        try self.init(storage: MappedBytes(path: url.path), path: url.path)
    }

    /// Parses and validates the bytes of a safetensors file held in memory; `name` stands for the file
    /// in error messages.
    public convenience init(bytes: [UInt8], name: String) throws {
        try self.init(storage: MappedBytes(copying: bytes), path: name)
    }

    private init(storage: MappedBytes, path: String) throws {
        let header = try SafeTensorsHeader(bytes: storage.bytes, file: path)
        self.storage = storage
        self.path = path
        self.metadata = header.metadata
        self.tensorInfos = header.tensors
        self.dataStart = header.dataStart
        self.indexByName = Dictionary(uniqueKeysWithValues: header.tensors.enumerated().map { ($1.name, $0) })
    }

    public func info(named name: String) -> SafeTensorsTensorInfo? {
        indexByName[name].map { tensorInfos[$0] }
    }

    public func withRawBytes<R>(of name: String, _ body: (SafeTensorsTensorInfo, UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let info = info(named: name) else { throw SafeTensorsError.tensorNotFound(file: path, tensor: name) }
        let range = (dataStart + info.dataOffsets.lowerBound) ..< (dataStart + info.dataOffsets.upperBound)
        return try withExtendedLifetime(storage) {
            try body(info, UnsafeRawBufferPointer(rebasing: storage.bytes[range]))
        }
    }

    public func tensor(named name: String) throws -> Tensor {
        try withRawBytes(of: name) { info, raw in
            guard SafeTensorsDecoding.floatSources.contains(info.dtype) else {
                throw SafeTensorsError.unsupportedConversion(file: path, tensor: name, dtype: info.dtype, target: "float32")
            }
            return Tensor.make(shape: info.shape) { SafeTensorsDecoding.floats(raw, as: info.dtype, into: $0) }
        }
    }

    public func integers(named name: String) throws -> [Int] {
        try withRawBytes(of: name) { info, raw in
            guard SafeTensorsDecoding.integerSources.contains(info.dtype) else {
                throw SafeTensorsError.unsupportedConversion(file: path, tensor: name, dtype: info.dtype, target: "integers")
            }
            return SafeTensorsDecoding.integers(raw, as: info.dtype)
        }
    }
}
