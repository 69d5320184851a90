/// The 16-bit float formats as bit patterns, so that they behave the same on every platform (Swift's
/// `Float16` is missing on some). Widening to `Float` is exact (every finite value, subnormal,
/// infinity and NaN payload is preserved); narrowing rounds to nearest, ties to even, as PyTorch's
/// `tensor.to(torch.bfloat16)` / `.to(torch.float16)` do.
public enum HalfPrecision {
    /// The `Float` equal to the IEEE 754 binary16 value with bit pattern `bits`.
    @inlinable
    public static func floatFromF16(_ bits: UInt16) -> Float {
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
    @inlinable
    public static func floatFromBF16(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// The bfloat16 nearest to `value` (ties to even); NaN stays a (quiet) NaN.
    @inlinable
    public static func bf16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(bits >> 16) | 0x0040 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }

    /// The IEEE 754 binary16 nearest to `value` (ties to even): overflow gives infinity, tiny values
    /// subnormals or zero; NaN stays a (quiet) NaN.
    public static func f16(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF), mantissa = bits & 0x007F_FFFF
        if exponent == 0xFF { return sign | 0x7C00 | (mantissa == 0 ? 0 : 0x0200 | UInt16(mantissa >> 13)) }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            // Subnormal or zero: shift the full significand (with its implicit 1) into place.
            guard halfExponent >= -10 else { return sign }
            let significand = mantissa | 0x0080_0000
            let shift = UInt32(14 - halfExponent)
            let halfway = UInt32(1) << (shift - 1)
            var result = significand >> shift
            let remainder = significand & ((UInt32(1) << shift) - 1)
            if remainder > halfway || (remainder == halfway && result & 1 == 1) { result += 1 }
            return sign | UInt16(result)
        }
        var result = UInt32(halfExponent) << 10 | mantissa >> 13
        let remainder = mantissa & 0x1FFF
        // A carry out of the mantissa rounds into the exponent, up to infinity, as it should.
        if remainder > 0x1000 || (remainder == 0x1000 && result & 1 == 1) { result += 1 }
        return sign | UInt16(result)
    }
}
