import Foundation
import Tensors

/// One rotary embedding as a `config.json` describes it, read as transformers'
/// `RotaryEmbeddingConfigMixin` standardises it: `rope_parameters` (transformers 5) or the older
/// `rope_scaling` with a top-level `rope_theta`, the types `default`, `linear`, `dynamic`, `yarn`
/// and `llama3`, and a `partial_rotary_factor` that rotates only the first part of each head.
public struct RotaryParameters: Sendable, Equatable {
    /// How the frequencies are scaled (`rope_type`).
    public enum Scaling: Sendable, Equatable {
        case none
        /// Frequencies divided by `factor`.
        case linear(factor: Double)
        /// NTK scaling of the base once a sequence is longer than `maxPositions`.
        case dynamic(factor: Double, maxPositions: Int)
        /// Llama 3.1: long wavelengths divided by `factor`, short ones kept, a smooth blend between.
        case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalMaxPositions: Int)
        /// YaRN: a ramp between interpolated and extrapolated frequencies, cos and sin scaled by
        /// `attentionFactor`.
        case yarn(factor: Double, originalMaxPositions: Int, betaFast: Double, betaSlow: Double, truncate: Bool, attentionFactor: Double)
    }

    /// The rope types lorakit computes.
    public static let supportedTypes = ["default", "linear", "dynamic", "yarn", "llama3"]

    /// The base θ (`rope_theta`).
    public var theta: Double
    /// The rotated components per head, `int(head_dim · partial_rotary_factor)`.
    public var rotatedDimension: Int
    public var scaling: Scaling

    public init(theta: Double, rotatedDimension: Int, scaling: Scaling = .none) {
        self.theta = theta
        self.rotatedDimension = rotatedDimension
        self.scaling = scaling
    }

    /// The parameters in `rope` (one flat rope dictionary, already chosen), with the config's
    /// top-level keys as transformers' fall-backs: `rope_theta` (else `defaultTheta`),
    /// `partial_rotary_factor`, `max_position_embeddings`, and (flat dictionaries only) a top-level
    /// `original_max_position_embeddings`, which Phi-3 keeps there and which then wins.
    static func read(_ given: ConfigReader?, config c: ConfigReader, headDim: Int, defaultTheta: Double, nested: Bool) throws -> RotaryParameters {
        let rope = given ?? ConfigReader(values: [:], path: c.path)
        let maxPositions = try c.int("max_position_embeddings", default: 2048)
        let theta = try rope.double("rope_theta", default: try c.double("rope_theta", default: defaultTheta))
        let partial = try rope.double("partial_rotary_factor", default: try c.double("partial_rotary_factor", default: 1))
        guard theta > 0, partial > 0, partial <= 1 else {
            throw ModelError.invalidConfig(path: c.path, reason: "rope_theta must be positive and partial_rotary_factor in (0, 1]; got \(theta) and \(partial)")
        }
        let dimension = Int(Double(headDim) * partial)
        guard dimension >= 2, dimension % 2 == 0 else {
            throw ModelError.invalidConfig(path: c.path, reason: "the rotary dimension head_dim × partial_rotary_factor = \(dimension) must be even and at least 2")
        }
        let type = try rope.string("rope_type", default: try rope.string("type", default: "default"))
        func factor() throws -> Double {
            guard let value = try rope.optionalDouble("factor") else {
                throw ModelError.invalidConfig(path: c.path, reason: "rope_type \(type) needs a factor in rope_parameters")
            }
            guard value >= 1 else { throw ModelError.invalidConfig(path: c.path, reason: "the rope factor must be at least 1, got \(value)") }
            return value
        }
        func originalMaxPositions() throws -> Int {
            if !nested, let top = try c.optionalInt("original_max_position_embeddings") { return top }
            return try rope.int("original_max_position_embeddings", default: maxPositions)
        }
        /// A value where Python's `x or fallback` would keep it: present and non-zero.
        func truthy(_ key: String) throws -> Double? { try rope.optionalDouble(key).flatMap { $0 == 0 ? nil : $0 } }
        let scaling: Scaling
        switch type {
        case "default": scaling = .none
        case "linear": scaling = .linear(factor: try factor())
        case "dynamic": scaling = .dynamic(factor: try factor(), maxPositions: maxPositions)
        case "llama3":
            scaling = .llama3(factor: try factor(), lowFrequencyFactor: try rope.double("low_freq_factor"),
                              highFrequencyFactor: try rope.double("high_freq_factor"), originalMaxPositions: try originalMaxPositions())
        case "yarn":
            let original = try originalMaxPositions()
            let factor = try rope.optionalDouble("factor") ?? Double(maxPositions) / Double(original)
            func mscale(_ scale: Double, _ m: Double) -> Double { scale <= 1 ? 1 : 0.1 * m * Foundation.log(scale) + 1 }
            var attention = try rope.optionalDouble("attention_factor") ?? mscale(factor, 1)
            if try rope.optionalDouble("attention_factor") == nil, let m = try truthy("mscale"), let mAll = try truthy("mscale_all_dim") {
                attention = mscale(factor, m) / mscale(factor, mAll)
            }
            scaling = .yarn(factor: factor, originalMaxPositions: original, betaFast: try truthy("beta_fast") ?? 32,
                            betaSlow: try truthy("beta_slow") ?? 1, truncate: try rope.bool("truncate", default: true), attentionFactor: attention)
        default:
            throw ModelError.invalidConfig(path: c.path, reason: "rope_type \"\(type)\" is not supported; supported: \(Self.supportedTypes.joined(separator: ", "))")
        }
        return RotaryParameters(theta: theta, rotatedDimension: dimension, scaling: scaling)
    }

    /// The inverse frequencies and the cos/sin scaling for a sequence of `sequenceLength`
    /// positions (only `dynamic` depends on it), in float32 as transformers computes them.
    public func frequencies(sequenceLength: Int) throws -> (inverse: [Float], attentionScaling: Float) {
        let d = rotatedDimension
        let base = try RotaryTable.defaultInverseFrequencies(dimension: d, theta: theta)
        switch scaling {
        case .none: return (base, 1)
        case let .linear(factor): return (base.map { $0 / Float(factor) }, 1)
        case let .dynamic(factor, maxPositions):
            guard sequenceLength > maxPositions else { return (base, 1) }
            let grown = theta * Foundation.pow(factor * Double(sequenceLength) / Double(maxPositions) - (factor - 1), Double(d) / Double(d - 2))
            return (try RotaryTable.defaultInverseFrequencies(dimension: d, theta: grown), 1)
        case let .llama3(factor, low, high, original):
            let (lowWavelength, highWavelength) = (Double(original) / low, Double(original) / high)
            return (base.map { f -> Float in
                let wavelength = Float(2 * Double.pi) / f
                let scaled = Double(wavelength) > lowWavelength ? f / Float(factor) : f
                guard !(Double(wavelength) < highWavelength), !(Double(wavelength) > lowWavelength) else { return scaled }
                let smooth = (Float(original) / wavelength - Float(low)) / Float(high - low)
                return (1 - smooth) * scaled / Float(factor) + smooth * scaled
            }, 1)
        case let .yarn(factor, original, fast, slow, truncate, attention):
            func correction(_ rotations: Double) -> Double {
                Double(d) * Foundation.log(Double(original) / (rotations * 2 * Double.pi)) / (2 * Foundation.log(theta))
            }
            var (low, high) = (correction(fast), correction(slow))
            if truncate { (low, high) = (low.rounded(.down), high.rounded(.up)) }
            (low, high) = (Swift.max(low, 0), Swift.min(high, Double(d - 1)))
            if low == high { high += 0.001 }
            return ((0 ..< d / 2).map { i -> Float in
                let ramp = Swift.min(Swift.max((Float(i) - Float(low)) / Float(high - low), 0), 1)
                let extrapolation = 1 - ramp
                return base[i] / Float(factor) * (1 - extrapolation) + base[i] * extrapolation
            }, Float(attention))
        }
    }

    /// The cos/sin table for `positions` of a sequence of `positions.upperBound` positions.
    public func table(positions: Range<Int>) throws -> RotaryTable {
        let (inverse, scaling) = try frequencies(sequenceLength: positions.upperBound)
        return try RotaryTable(inverseFrequencies: inverse, attentionScaling: scaling, positions: positions)
    }
}
