import Tensors

/// Conversion of a tensor's raw little-endian bytes to the element types the engine computes with.
/// The bytes may be unaligned (offsets in a file are arbitrary), so every read is an unaligned load.
enum SafeTensorsDecoding {
    /// The dtypes `floats(_:as:into:)` accepts.
    static let floatSources: Set<SafeTensorsDType> = [.f32, .f16, .bf16, .f64, .i64, .i32]
    /// The dtypes `integers(_:as:)` accepts.
    static let integerSources: Set<SafeTensorsDType> = [.i64, .i32, .i16, .u8]

    /// Writes the elements of `raw`, of type `dtype` (one of `floatSources`), into `out` as `Float`.
    /// Integers and F64 are rounded to the nearest `Float`.
    static func floats(_ raw: UnsafeRawBufferPointer, as dtype: SafeTensorsDType, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(floatSources.contains(dtype) && raw.count == out.count * dtype.byteSize, "caller checked dtype and size")
        switch dtype {
        case .f32: if let base = out.baseAddress { UnsafeMutableRawPointer(base).copyMemory(from: raw.baseAddress!, byteCount: raw.count) }
        case .f16: convert(raw, into: out) { HalfPrecision.floatFromF16($0 as UInt16) }
        case .bf16: convert(raw, into: out) { HalfPrecision.floatFromBF16($0 as UInt16) }
        case .f64: convert(raw, into: out) { Float(Double(bitPattern: $0 as UInt64)) }
        case .i64: convert(raw, into: out) { Float($0 as Int64) }
        case .i32: convert(raw, into: out) { Float($0 as Int32) }
        default: preconditionFailure("caller checked dtype")
        }
    }

    /// The elements of `raw`, of type `dtype` (one of `integerSources`), as `Int`.
    static func integers(_ raw: UnsafeRawBufferPointer, as dtype: SafeTensorsDType) -> [Int] {
        let count = raw.count / dtype.byteSize
        return [Int](unsafeUninitializedCapacity: count) { out, initialized in
            switch dtype {
            case .i64: convert(raw, into: out) { Int($0 as Int64) }
            case .i32: convert(raw, into: out) { Int($0 as Int32) }
            case .i16: convert(raw, into: out) { Int($0 as Int16) }
            case .u8: convert(raw, into: out) { Int($0 as UInt8) }
            default: preconditionFailure("caller checked dtype")
            }
            initialized = count
        }
    }

    private static func convert<Stored: FixedWidthInteger, Element>(
        _ raw: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<Element>, _ transform: (Stored) -> Element
    ) {
        let stride = MemoryLayout<Stored>.size
        for i in out.indices {
            out[i] = transform(Stored(littleEndian: raw.loadUnaligned(fromByteOffset: i * stride, as: Stored.self)))
        }
    }
}
