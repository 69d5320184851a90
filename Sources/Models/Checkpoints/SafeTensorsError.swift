/// Why a safetensors file (or a sharded checkpoint's index) could not be read or written. Every case
/// names the file, and the tensor when one is at fault; `description` says what is wrong and what to do.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened, mapped, created or renamed (`reason` is the system's message).
    case io(file: String, reason: String)
    /// The file is shorter than the 8-byte header length that starts every safetensors file.
    case fileTooShort(file: String, size: Int)
    /// The header length field points past the end of the file, or is larger than any real header.
    case headerLengthOutOfRange(file: String, headerLength: UInt64, fileSize: Int)
    /// The header is not valid UTF-8, not valid JSON, or not a JSON object.
    case malformedHeader(file: String, reason: String)
    /// The `__metadata__` entry is not an object of strings.
    case malformedMetadata(file: String, reason: String)
    /// A tensor's header entry lacks a field or has a field of the wrong type or value.
    case malformedEntry(file: String, tensor: String, reason: String)
    /// A tensor's `dtype` is not one this reader knows.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A tensor's byte range does not match its shape, lies outside the data, or overlaps another's.
    case badOffsets(file: String, tensor: String, reason: String)
    /// Some bytes of the data buffer belong to no tensor; the format requires the buffer to be covered.
    case uncoveredBytes(file: String, range: Range<Int>, after: String?)
    /// No tensor of that name is in the file (or in the checkpoint's shards).
    case tensorNotFound(file: String, tensor: String)
    /// The tensor's dtype cannot be converted to what the caller asked for.
    case unsupportedConversion(file: String, tensor: String, dtype: SafeTensorsDType, target: String)
    /// A sharded checkpoint's index is malformed, or names a shard or tensor that is not there.
    case badIndex(file: String, reason: String)
    /// A tensor handed to the writer cannot be stored as given.
    case invalidTensorToWrite(file: String, tensor: String, reason: String)

    private static let damaged = "The file is damaged or was not written by a safetensors writer; download or save it again."

    public var description: String {
        switch self {
        case let .io(file, reason):
            return "\(file): \(reason). Check that the path exists and that you may read (or write) it."
        case let .fileTooShort(file, size):
            return "\(file): only \(size) bytes long, but a safetensors file starts with an 8-byte header length. \(Self.damaged)"
        case let .headerLengthOutOfRange(file, length, size):
            return "\(file): the header length field says \(length) bytes, but the file has \(size) bytes"
                + " (at most 100 MB of header are accepted). \(Self.damaged)"
        case let .malformedHeader(file, reason):
            return "\(file): the header is not a valid safetensors header: \(reason). \(Self.damaged)"
        case let .malformedMetadata(file, reason):
            return "\(file): __metadata__ must map names to strings: \(reason). \(Self.damaged)"
        case let .malformedEntry(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason). \(Self.damaged)"
        case let .unknownDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has dtype '\(dtype)', which is not a known safetensors dtype"
                + " (known: \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))."
                + " Convert the checkpoint to F32, F16 or BF16."
        case let .badOffsets(file, tensor, reason):
            return "\(file): tensor '\(tensor)': \(reason). \(Self.damaged)"
        case let .uncoveredBytes(file, range, after):
            let place = after.map { "after tensor '\($0)'" } ?? "before the first tensor"
            return "\(file): data bytes \(range.lowerBound)..<\(range.upperBound) (\(place)) belong to no tensor;"
                + " the format requires the data to be fully covered. \(Self.damaged)"
        case let .tensorNotFound(file, tensor):
            return "\(file): no tensor named '\(tensor)'. List the file's tensors to see which names it has."
        case let .unsupportedConversion(file, tensor, dtype, target):
            return "\(file): tensor '\(tensor)' is \(dtype.rawValue) and cannot be loaded as \(target)."
                + " Convert the checkpoint to a supported dtype (F32, F16, BF16, F64, I64, I32)."
        case let .badIndex(file, reason):
            return "\(file): \(reason). The index must be a JSON object whose weight_map sends every tensor to a"
                + " shard file next to the index; repair the index or download the checkpoint again."
        case let .invalidTensorToWrite(file, tensor, reason):
            return "\(file): cannot write tensor '\(tensor)': \(reason). Nothing was written; fix the tensor and save again."
        }
    }
}
