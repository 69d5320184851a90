import Tensors

/// A tensor to be written to a safetensors file: float32 data (weights, activations) or 64-bit
/// integers (token ids, masks, labels).
public enum SafeTensorsValue {
    /// Stored as `F32` with the tensor's shape.
    case float32(Tensor)
    /// Stored as `I64`; `values` are row-major and must number the product of `shape`.
    case int64(shape: [Int], values: [Int])

    /// The dtype the value is stored as.
    public var dtype: SafeTensorsDType {
        switch self {
        case .float32: return .f32
        case .int64: return .i64
        }
    }

    /// The stored shape.
    public var shape: [Int] {
        switch self {
        case let .float32(tensor): return tensor.shape
        case let .int64(shape, _): return shape
        }
    }

    /// Calls `body` with the value's bytes as stored in the file (little-endian, row-major).
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case let .float32(tensor): return try tensor.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case let .int64(_, values): return try values.map(Int64.init).withUnsafeBytes(body)
        }
    }
}
