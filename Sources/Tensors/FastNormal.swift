/// Normal samples in bulk, fast enough to initialise a 7B-parameter model from its config
/// (`from_scratch`) in seconds: Box-Muller on 8 lanes at once, keeping both of its outputs, with
/// float32 polynomial `log`, `sin` and `cos` (cephes' `logf`, `sinf`, `cosf`, relative error
/// about 1e-7) in place of the library's double-precision calls.
///
/// The values are fixed by the seed alone, whatever the number of threads: the output is cut into
/// chunks of `chunkLength` values, and chunk `k` draws from its own `RandomGenerator` seeded from
/// `seed` and `k`. Each 64-bit draw gives one pair: its high 24 bits the radius' uniform (in
/// `(0, 1]`, so the radius is at most `sqrt(48 ln 2) ≈ 5.8`), its low 32 bits the angle (2 bits
/// for the quadrant, 24 within it).
///
/// This is a different stream from `Tensor.normal` (`RandomGenerator.nextNormal`), which every
/// seeded adapter initialisation keeps using unchanged.
public enum FastNormal {
    /// Values per independently seeded chunk (a multiple of the 16 values one step makes).
    public static let chunkLength = 1 << 16

    /// Writes `count` samples of N(0, std²) into `out`, fixed by `seed`.
    public static func fill(_ out: UnsafeMutableBufferPointer<Float>, std: Float, seed: UInt64) {
        let chunks = (out.count + chunkLength - 1) / chunkLength
        Parallel.forEachChunk(chunks, costPerItem: chunkLength) { range in
            for chunk in range {
                let start = chunk * chunkLength, end = Swift.min(out.count, start + chunkLength)
                var generator = RandomGenerator(seed: seed ^ (UInt64(chunk) &* 0xD1B5_4A32_D192_ED03))
                fillChunk(UnsafeMutableBufferPointer(rebasing: out[start ..< end]), std: std, generator: &generator)
            }
        }
    }

    /// A tensor of `shape` with N(0, std²) values fixed by `seed`.
    public static func tensor(_ shape: [Int], std: Float, seed: UInt64) -> Tensor {
        Tensor.make(shape: shape) { fill($0, std: std, seed: seed) }
    }

    private static func fillChunk(_ out: UnsafeMutableBufferPointer<Float>, std: Float, generator: inout RandomGenerator) {
        var i = 0
        while i + 16 <= out.count {
            let (first, second) = pairs(&generator, std: std)
            for lane in 0 ..< 8 {
                out[i + lane] = first[lane]
                out[i + 8 + lane] = second[lane]
            }
            i += 16
        }
        guard i < out.count else { return }
        let (first, second) = pairs(&generator, std: std)
        for j in i ..< out.count { out[j] = j - i < 8 ? first[j - i] : second[j - i - 8] }
    }

    /// Eight Box-Muller pairs from eight draws: `(r cos θ, r sin θ)` with `r = std · sqrt(-2 ln u)`.
    private static func pairs(_ generator: inout RandomGenerator, std: Float) -> (SIMD8<Float>, SIMD8<Float>) {
        var high = SIMD8<UInt32>(), low = SIMD8<UInt32>()
        for lane in 0 ..< 8 {
            let draw = generator.next()
            high[lane] = UInt32(truncatingIfNeeded: draw >> 40)
            low[lane] = UInt32(truncatingIfNeeded: draw)
        }
        let uniform = (SIMD8<Float>(high) + 1) * (1 / 16_777_216)
        let radius = (-2 * log(uniform)).squareRoot() * std
        let quadrant = low &>> 30
        // The angle within the quadrant, uniform on [-π/4, π/4).
        let phi = (SIMD8<Float>(low & 0x00FF_FFFF) * (1 / 16_777_216) - 0.5) * (Float.pi / 2)
        let (sine, cosine) = sinCos(phi)
        // θ = quadrant · π/2 + φ: odd quadrants swap sin and cos; the signs follow the quadrant.
        let swaps = (quadrant & 1) .!= 0
        let cosTheta = cosine.replacing(with: sine, where: swaps), sinTheta = sine.replacing(with: cosine, where: swaps)
        let cosSign = ((quadrant &+ 1) & 2) &<< 30, sinSign = (quadrant & 2) &<< 30
        let first = floats((bits(cosTheta) ^ cosSign))
        let second = floats((bits(sinTheta) ^ sinSign))
        return (radius * first, radius * second)
    }

    private static func bits(_ x: SIMD8<Float>) -> SIMD8<UInt32> { unsafeBitCast(x, to: SIMD8<UInt32>.self) }
    private static func floats(_ x: SIMD8<UInt32>) -> SIMD8<Float> { unsafeBitCast(x, to: SIMD8<Float>.self) }

    /// The natural log of positive normal floats (cephes `logf`).
    static func log(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let raw = bits(x)
        var exponent = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: raw &>> 23) &- 127)
        // The mantissa in [1, 2), then in [sqrt(1/2), sqrt(2)).
        var m = floats((raw & 0x007F_FFFF) | 0x3F80_0000)
        let large = m .> 1.41421356
        m = m.replacing(with: m * 0.5, where: large)
        exponent = exponent.replacing(with: exponent + 1, where: large)
        let f: SIMD8<Float> = m - 1, z: SIMD8<Float> = f * f
        var p: SIMD8<Float> = 7.0376836292e-2 * f - 1.1514610310e-1
        p = p * f + 1.1676998740e-1
        p = p * f - 1.2420140846e-1
        p = p * f + 1.4249322787e-1
        p = p * f - 1.6668057665e-1
        p = p * f + 2.0000714765e-1
        p = p * f - 2.4999993993e-1
        p = p * f + 3.3333331174e-1
        var y: SIMD8<Float> = f * z * p
        y += exponent * -2.12194440e-4
        y -= 0.5 * z
        return f + y + exponent * 0.693359375
    }

    /// `(sin x, cos x)` for `|x| ≤ π/4` (cephes `sinf`, `cosf` kernels).
    static func sinCos(_ x: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        let z: SIMD8<Float> = x * x
        let sine: SIMD8<Float> = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * x + x
        let cosine: SIMD8<Float> = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1
        return (sine, cosine)
    }
}
