import Foundation
import Tensors

/// The change an adapter makes to one weight, `[out, in]` (for an Embedding `[dim, count]`, the
/// orientation of its `B · A`): LoRA's factors `scaling · B · A`, or any method's dense delta.
public enum DeltaMatrix {
    case lowRank(b: Tensor, a: Tensor, scaling: Float)
    case dense(Tensor)

    /// The matrix itself.
    public func dense() throws -> Tensor {
        switch self {
        case let .lowRank(b, a, scaling): return try b.matmul(a).scaled(by: scaling)
        case let .dense(matrix): return matrix
        }
    }

    /// Its singular values, descending: from the factors' small core `R_B · R_Aᵀ` (QR of `B` and
    /// `Aᵀ`) when low-rank, so a wide layer never forms `ΔW`; else of the whole matrix.
    public func singularValues() throws -> [Float] {
        switch self {
        case let .lowRank(b, a, scaling):
            let core = try Linalg.qr(b).r.matmul(Linalg.qr(a.transposed()).r, transposeOther: true)
            return try Linalg.svd(core).s.scalars.map { $0 * abs(scaling) }
        case let .dense(matrix):
            return try Linalg.svd(matrix).s.scalars
        }
    }
}

/// The singular value spectrum of a `ΔW` and the figures drawn from it.
public struct DeltaSpectrum: Sendable, Equatable {
    /// Descending.
    public let singularValues: [Float]

    public init(_ singularValues: [Float]) { self.singularValues = singularValues }

    /// `‖ΔW‖_F`, the root of the summed squared singular values.
    public var frobeniusNorm: Double { singularValues.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }

    /// The singular values above `σ₁ · 1e-5` (zero for a zero matrix): the rank `ΔW` really has.
    public var numericalRank: Int {
        guard let top = singularValues.first, top > 0 else { return 0 }
        return singularValues.filter { $0 > top * 1e-5 }.count
    }

    /// Roy & Vetterli's effective rank `exp(−Σ pᵢ log pᵢ)` with `pᵢ = σᵢ / Σσ`: 1 when one direction
    /// holds everything, the number of directions when they are equal (0 for a zero matrix).
    public var effectiveRank: Double {
        let total = singularValues.reduce(0) { $0 + Double($1) }
        guard total > 0 else { return 0 }
        let entropy = singularValues.reduce(0.0) { sum, s in
            let p = Double(s) / total
            return p > 0 ? sum - p * Foundation.log(p) : sum
        }
        return Foundation.exp(entropy)
    }

    /// The share of `‖ΔW‖_F²` in the first `k` singular values.
    public func energy(inTop k: Int) -> Double {
        let all = frobeniusNorm * frobeniusNorm
        guard all > 0 else { return 0 }
        return singularValues.prefix(k).reduce(0) { $0 + Double($1) * Double($1) } / all
    }
}

/// What the inspector shows for one adapter on one module: its rank, alpha and scaling, its
/// parameters, the spectrum of its `ΔW`, `‖ΔW‖` against `‖W‖`, the intruder scan against the base
/// weight, and, for a combined or reduced adapter, the same of what it came from.
public struct ModuleInspection: Sendable {
    /// The delta an adapter was made from and how far the adapter is from it.
    public struct Before: Sendable {
        /// `Σ wᵢ · ΔWᵢ` of the inputs (or the reduced adapter's original).
        public let spectrum: DeltaSpectrum
        public let intruders: IntruderScan?
        /// `‖ΔW − ΔW_before‖_F / ‖ΔW_before‖_F` (0 when both are zero).
        public let relativeChange: Double
    }

    public let module: String
    public let adapter: String
    /// `[out, in]` (an Embedding's `[dim, count]`).
    public let shape: [Int]
    /// LoRA's `r`, `lora_alpha` and scaling at this module (nil for other methods).
    public let rank: Int?
    public let alpha: Double?
    public let scaling: Double?
    /// The adapter's parameters on this module.
    public let parameterCount: Int
    public let spectrum: DeltaSpectrum
    /// `‖W‖_F` of the base weight, when the base model is known.
    public let baseNorm: Double?
    /// The intruder scan of `W + ΔW` against `W`, when the base model is known.
    public let intruders: IntruderScan?
    public let before: Before?

    /// `‖ΔW‖_F / ‖W‖_F`.
    public var relativeNorm: Double? { baseNorm.map { $0 > 0 ? spectrum.frobeniusNorm / $0 : .infinity } }

    /// Inspects `delta` (with `base`, the weight it changes, in the same orientation), against the
    /// sum of `before` (the weighted deltas it was made from) when there are any. `topK` and
    /// `epsilon` are the intruder scan's, as PEFT's defaults.
    public init(module: String, adapter: String, delta: DeltaMatrix, base: Tensor?, before parts: [Tensor] = [],
                rank: Int?, alpha: Double?, scaling: Double?, parameterCount: Int,
                topK: Int = 10, epsilon: Float = 0.5) throws {
        let dense = try delta.dense()
        let before = try parts.first.map { first in try parts.dropFirst().reduce(first) { try $0 + $1 } }
        if let base, base.shape != dense.shape {
            throw TunerError.invalidState("\(module): the adapter's delta is \(dense.shape) but the base weight is \(base.shape); is this the adapter's base model?")
        }
        if let before, before.shape != dense.shape {
            throw TunerError.invalidState("\(module): the delta to compare with is \(before.shape), not \(dense.shape) as the adapter's")
        }
        func scan(_ change: Tensor) throws -> IntruderScan? {
            guard let base else { return nil }
            return try IntruderScan.scan(weight: base, merged: base + change, topK: topK, epsilon: epsilon).scan
        }
        self.module = module
        self.adapter = adapter
        shape = dense.shape
        self.rank = rank
        self.alpha = alpha
        self.scaling = scaling
        self.parameterCount = parameterCount
        spectrum = DeltaSpectrum(try delta.singularValues())
        baseNorm = base.map(Self.frobeniusNorm)
        intruders = try scan(dense)
        self.before = try before.map { before in
            let norm = Self.frobeniusNorm(before), difference = Self.frobeniusNorm(try dense - before)
            return Before(spectrum: DeltaSpectrum(try Linalg.svd(before).s.scalars), intruders: try scan(before),
                          relativeChange: norm == 0 ? (difference == 0 ? 0 : .infinity) : difference / norm)
        }
    }

    static func frobeniusNorm(_ matrix: Tensor) -> Double {
        matrix.withUnsafeBufferPointer { values in values.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
    }
}
