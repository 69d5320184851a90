/// Vectorised `exp` for the kernels' hot loops (softmax, cross-entropy, attention, SiLU, GELU):
/// sixteen lanes at a time, Cephes' single-precision polynomial after range reduction
/// (`e^x = 2^n · e^r`, `|r| ≤ ln2/2`), within about two units in the last place and three times as
/// fast as glibc's `expf`. Inputs are clamped to [−87.3, 88.4], so the results stay in
/// [1.2e-38, 2.4e38]: a masked score of −3.4e38 gets a weight of about 1e-38, not exactly 0.
///
/// Only plain arithmetic, `pointwiseMin`/`pointwiseMax` and bit operations on SIMD values are used
/// here: Swift's other generic SIMD conveniences (`rounded`, `clamped`, masks, integer conversions)
/// compile to per-lane calls and are ten times slower than scalar code.
enum VectorMath {
    typealias Lanes = SIMD16<Float>

    static let log2e: Float = 1.442_695_040_888_963_4
    static let ln2High: Float = 0.693_359_375
    static let ln2Low: Float = -2.121_944_400_546_905_8e-4
    static let lowest: Float = -87.336_544_750_553_1
    static let highest: Float = 88.376_262_664_794_9
    /// 1.5 · 2²³: adding it rounds a float to an integer held in the low mantissa bits.
    static let roundingMagic: Float = 12_582_912

    @inline(__always)
    static func exp(_ x: Lanes) -> Lanes {
        var c = x
        c = pointwiseMin(pointwiseMax(c, Lanes(repeating: lowest)), Lanes(repeating: highest))
        let shifted = c * log2e + roundingMagic
        let n = shifted - roundingMagic
        let r = c - n * ln2High - n * ln2Low
        var p = Lanes(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        // 2^n built in the exponent bits, in two halves so that n = 128 does not overflow.
        let k = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let half = k &>> 1
        let scaleA = unsafeBitCast((half &+ 127) &<< 23, to: Lanes.self)
        let scaleB = unsafeBitCast((k &- half &+ 127) &<< 23, to: Lanes.self)
        return p * scaleA * scaleB
    }

    /// `e^x` for one value, through the same polynomial (so scalar tails match the lanes).
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        exp(Lanes(repeating: x))[0]
    }

    /// `y[i] = e^(x[i] − shift)` for `n` values, returning their sum.
    @inline(__always)
    static func expShifted(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        var i = 0
        var total = Lanes()
        while i + 16 <= n {
            let v = exp(UnsafeRawPointer(x + i).loadUnaligned(as: Lanes.self) - shift)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: Lanes.self)
            total += v
            i += 16
        }
        var sum = total.sum()
        while i < n {
            let v = exp(x[i] - shift)
            y[i] = v
            sum += v
            i += 1
        }
        return sum
    }

    /// `Σ x[i] · y[i]` over `n` values, sixteen lanes at a time (a scalar loop cannot be vectorised:
    /// it would reorder the additions).
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var lanes = Lanes()
        while i + 16 <= n {
            lanes += UnsafeRawPointer(x + i).loadUnaligned(as: Lanes.self) * UnsafeRawPointer(y + i).loadUnaligned(as: Lanes.self)
            i += 16
        }
        var total = lanes.sum()
        while i < n {
            total += x[i] * y[i]
            i += 1
        }
        return total
    }

    /// `y[i] += a · x[i]` over `n` values (a loop the compiler vectorises).
    @inline(__always)
    static func addScaled(_ x: UnsafePointer<Float>, _ a: Float, into y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0 ..< n { y[i] += a * x[i] }
    }

    /// The maximum of `n` values.
    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var lanes = Lanes(repeating: -.infinity)
        while i + 16 <= n {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: Lanes.self)
            for j in 0 ..< 16 { lanes[j] = Swift.max(lanes[j], v[j]) }
            i += 16
        }
        var m = -Float.infinity
        for j in 0 ..< 16 { m = Swift.max(m, lanes[j]) }
        while i < n {
            m = Swift.max(m, x[i])
            i += 1
        }
        return m
    }
}
