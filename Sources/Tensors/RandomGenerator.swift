import Foundation

/// A seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64). The same seed gives
/// the same stream on every machine, so initialisation, dropout masks and shuffles are reproducible.
/// Its state can be saved and restored (`state`), which training checkpoints use.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    // The four 64-bit words of state, held as scalars (not an array) so `next()` has no bounds
    // checks or copy-on-write checks.
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The four 64-bit words of state.
    public var state: [UInt64] {
        get { [s0, s1, s2, s3] }
        set {
            precondition(newValue.count == 4, "a RandomGenerator state has 4 words, not \(newValue.count)")
            (s0, s1, s2, s3) = (newValue[0], newValue[1], newValue[2], newValue[3])
        }
    }

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    private enum CodingKeys: String, CodingKey { case state }

    /// Reads `{"state": [four words]}`, as earlier versions wrote it.
    public init(from decoder: any Decoder) throws {
        let words = try decoder.container(keyedBy: CodingKeys.self).decode([UInt64].self, forKey: .state)
        guard words.count == 4 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.state], debugDescription: "a RandomGenerator state has 4 words, not \(words.count)"))
        }
        (s0, s1, s2, s3) = (words[0], words[1], words[2], words[3])
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
    }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// A float uniform in `[0, 1)` with 24 random bits.
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal sample (Box-Muller).
    public mutating func nextNormal() -> Float {
        let u1 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * Foundation.log(1 - u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

extension Tensor {
    /// Values drawn uniformly from `[low, high)`.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, generator: inout RandomGenerator) -> Tensor {
        make(shape: shape) { out in
            for i in out.indices { out[i] = low + (high - low) * generator.nextUnitFloat() }
        }
    }

    /// Values drawn from a normal distribution.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: inout RandomGenerator) -> Tensor {
        make(shape: shape) { out in
            for i in out.indices { out[i] = mean + std * generator.nextNormal() }
        }
    }

    /// PyTorch's `kaiming_uniform_` with leaky-ReLU slope `a` over fan-in `fanIn`: uniform on
    /// `±sqrt(6 / ((1 + a²) fanIn))`. With `a = sqrt(5)` (the `nn.Linear` default and LoRA's A) the
    /// bound is `1 / sqrt(fanIn)`.
    public static func kaimingUniform(_ shape: [Int], fanIn: Int, a: Float = 2.2360679774997896, generator: inout RandomGenerator) -> Tensor {
        let gain = (2 / (1 + a * a)).squareRoot()
        let bound = gain * (3 / Float(Swift.max(fanIn, 1))).squareRoot()
        return uniform(shape, low: -bound, high: bound, generator: &generator)
    }
}
