import Tensors

/// A tensor to be written to a safetensors file: float32 data (weights, activations), 16-bit
/// float bit patterns (a model exported as bf16 or f16), 64-bit integers (token ids, masks, labels) or integers of a narrower type (VB-LoRA's top-k indices).
public enum SafeTensorsValue {
    /// Stored as `F32` with the tensor's shape.
    case float32(Tensor)
    /// Stored as `BF16` or `F16`: `bits` are the row-major bit patterns and must number the product of `shape`.
    case halfFloat(SafeTensorsDType, shape: [Int], bits: [UInt16])
    /// Stored as `I64`; `values` are row-major and must number the product of `shape`.
    case int64(shape: [Int], values: [Int])
    /// Stored as the integer dtype given (`U8`, `I16`, `I32` or `I64`); every value must fit it.
    case integers(SafeTensorsDType, shape: [Int], values: [Int])

    /// The integer dtypes `integers` stores, with the range each holds.
    static let integerRanges: [SafeTensorsDType: ClosedRange<Int>] = [
        .u8: 0 ... Int(UInt8.max), .i16: Int(Int16.min) ... Int(Int16.max), .i32: Int(Int32.min) ... Int(Int32.max), .i64: Int.min ... Int.max,
    ]

    /// The dtype the value is stored as.
    public var dtype: SafeTensorsDType {
        switch self {
        case .float32: return .f32
        case let .halfFloat(dtype, _, _): return dtype
        case .int64: return .i64
        case let .integers(dtype, _, _): return dtype
        }
    }

    /// The stored shape.
    public var shape: [Int] {
        switch self {
        case let .float32(tensor): return tensor.shape
        case let .halfFloat(_, shape, _), let .int64(shape, _), let .integers(_, shape, _): return shape
        }
    }

    /// Calls `body` with the value's bytes as stored in the file (little-endian, row-major).
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case let .float32(tensor): return try tensor.withUnsafeBufferPointer { try body(UnsafeRawBufferPointer($0)) }
        case let .halfFloat(_, _, bits): return try bits.withUnsafeBytes(body)
        case let .int64(_, values): return try values.map(Int64.init).withUnsafeBytes(body)
        case let .integers(dtype, _, values):
            switch dtype {
            case .u8: return try values.map { UInt8(truncatingIfNeeded: $0) }.withUnsafeBytes(body)
            case .i16: return try values.map { Int16(truncatingIfNeeded: $0) }.withUnsafeBytes(body)
            case .i32: return try values.map { Int32(truncatingIfNeeded: $0) }.withUnsafeBytes(body)
            default: return try values.map(Int64.init).withUnsafeBytes(body)
            }
        }
    }
}
