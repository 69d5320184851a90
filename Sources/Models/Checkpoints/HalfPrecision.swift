/// Exact widening of the 16-bit float formats to `Float`, done on bit patterns so that it behaves
/// the same on every platform (Swift's `Float16` is missing on some): every finite value, subnormal,
/// infinity and NaN payload is preserved.
enum HalfPrecision {
    /// The `Float` equal to the IEEE 754 binary16 value with bit pattern `bits`.
    static func floatFromF16(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        var mantissa = UInt32(bits & 0x03FF)
        switch exponent {
        case 0x1F:
            // Infinity or NaN: all-ones exponent, mantissa (the NaN payload) kept in its high bits.
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        case 0 where mantissa == 0:
            return Float(bitPattern: sign)
        case 0:
            // Subnormal: value = mantissa * 2^-24; normalise so the leading 1 becomes implicit.
            var shifts: UInt32 = 0
            while mantissa & 0x0400 == 0 {
                mantissa <<= 1
                shifts += 1
            }
            let floatExponent = 127 - 15 + 1 - shifts
            return Float(bitPattern: sign | floatExponent << 23 | (mantissa & 0x03FF) << 13)
        default:
            return Float(bitPattern: sign | (exponent + 127 - 15) << 23 | mantissa << 13)
        }
    }

    /// The `Float` equal to the bfloat16 value with bit pattern `bits`: its top 16 bits.
    static func floatFromBF16(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
