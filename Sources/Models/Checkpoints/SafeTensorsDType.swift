/// The element type of a tensor in a safetensors file, spelled as in the file's header (`"F32"`, ...).
///
/// The cases are declared in the order of the reference (Rust) implementation's `Dtype` enum, which
/// its writer uses to lay out data: larger types in that order first, then by name. Sub-byte types
/// (`F4`, `F6_*`) are not supported and read as unknown dtypes.
public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case f8E5M2 = "F8_E5M2"
    case f8E4M3 = "F8_E4M3"
    case f8E8M0 = "F8_E8M0"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// The size of one element in bytes.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3, .f8E8M0: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// Position in the reference writer's layout order: data of a higher rank comes first.
    var layoutRank: Int { Self.allCases.firstIndex(of: self)! }
}

// safetensors data is little-endian, and this module copies it to and from memory as it is.
#if _endian(big)
#error("The safetensors reader and writer assume a little-endian host.")
#endif
