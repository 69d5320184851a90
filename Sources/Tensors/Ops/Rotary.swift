import Foundation

/// Cosines and sines of rotary position embeddings (RoPE) for a range of positions, as
/// transformers' rotary embeddings compute them in float32: angle = position · inv_freq[i], used
/// for both halves of the rotated part of a head (the "rotate_half" convention), and cos and sin
/// both multiplied by the attention scaling (1 except for YaRN-style scalings).
public struct RotaryTable: Sendable {
    /// How many leading components of each head are rotated (even): the whole head, or its first
    /// part under a partial rotary factor; the rest pass through unchanged.
    public let dimension: Int
    /// The first position the table covers.
    public let firstPosition: Int
    /// How many positions it covers.
    public let length: Int
    /// `cos` and `sin` per position and frequency, `[length, D / 2]`, scaled.
    let cosines: [Float], sines: [Float]

    /// The default rotary embedding, `inv_freq[i] = 1 / θ^(2i / D)`.
    public init(dimension: Int, theta: Double, positions: Range<Int>) throws {
        try self.init(inverseFrequencies: Self.defaultInverseFrequencies(dimension: dimension, theta: theta), positions: positions)
    }

    /// A table from given inverse frequencies (`D / 2` of them, for `D` rotated components), with
    /// cos and sin multiplied by `attentionScaling`.
    public init(inverseFrequencies: [Float], attentionScaling: Float = 1, positions: Range<Int>) throws {
        guard !inverseFrequencies.isEmpty else {
            throw TensorError.invalidArgument(op: "rotary", reason: "at least one frequency is needed")
        }
        self.dimension = 2 * inverseFrequencies.count
        self.firstPosition = positions.lowerBound
        self.length = positions.count
        var cosines = [Float](), sines = [Float]()
        cosines.reserveCapacity(positions.count * inverseFrequencies.count)
        sines.reserveCapacity(positions.count * inverseFrequencies.count)
        for position in positions {
            for f in inverseFrequencies {
                let angle = Double(Float(position) * f)
                cosines.append(Float(Foundation.cos(angle)) * attentionScaling)
                sines.append(Float(Foundation.sin(angle)) * attentionScaling)
            }
        }
        self.cosines = cosines
        self.sines = sines
    }

    /// `1 / θ^(2i / D)` for `i < D / 2`, in float32 as transformers computes them.
    public static func defaultInverseFrequencies(dimension: Int, theta: Double) throws -> [Float] {
        guard dimension > 0, dimension % 2 == 0 else {
            throw TensorError.invalidArgument(op: "rotary", reason: "the rotated dimension must be even, got \(dimension)")
        }
        return (0 ..< dimension / 2).map { i -> Float in
            1 / Float(Foundation.pow(Double(Float(theta)), Double(Float(2 * i) / Float(dimension))))
        }
    }
}

extension Tensor {
    /// Rotary position embedding of `self` `[..., T, D]` with the table's positions for the `T` rows:
    /// `x · cos + rotate_half(x) · sin` over the first `table.dimension` components of each row
    /// (`rotate_half(x) = [−x₂, x₁]` within them); any further components are copied.
    ///
    /// With `tokenMajor`, `self` is `[..., T, H, D]` (heads inside each position, as a projection
    /// reshaped to heads gives them) and every head of a position gets that position's angles.
    public func applyingRotary(_ table: RotaryTable, tokenMajor: Bool = false) throws -> Tensor {
        let positionAxis = tokenMajor ? rank - 3 : rank - 2
        guard positionAxis >= 0, shape[rank - 1] >= table.dimension, shape[positionAxis] == table.length else {
            throw TensorError.shapeMismatch(op: "rotary", shapes: [shape, [table.length, table.dimension]],
                                            reason: tokenMajor ? "the last three dimensions must be [positions, heads, head dimension ≥ rotated dimension]"
                                                               : "the last two dimensions must be [positions, head dimension ≥ rotated dimension]")
        }
        let rowsPerPosition = tokenMajor ? shape[rank - 2] : 1
        let out = Kernels.rotate(self, table, rowsPerPosition: rowsPerPosition, inverse: false)
        return Tensor.record(out, op: "rotary", inputs: [self]) { g in [Kernels.rotate(g, table, rowsPerPosition: rowsPerPosition, inverse: true)] }
    }
}

extension Kernels {
    /// Rotates each pair `(x[i], x[i + D/2])` of a row's first `D` components by the table's angle,
    /// or by its negative when `inverse` (the transpose of the rotation, which is the backward
    /// pass), and copies the rest of the row. Consecutive runs of `rowsPerPosition` rows share a position.
    static func rotate(_ x: Tensor, _ table: RotaryTable, rowsPerPosition: Int, inverse: Bool) -> Tensor {
        let width = x.shape[x.rank - 1], d = table.dimension, half = d / 2, positions = table.length
        let sign: Float = inverse ? -1 : 1
        return table.cosines.withUnsafeBufferPointer { cosines in
            table.sines.withUnsafeBufferPointer { sines in
                Kernels.rowwise(x, width) { row, src, dst in
                    let base = (row / rowsPerPosition % positions) * half
                    for i in 0 ..< half {
                        let c = cosines[base + i], s = sign * sines[base + i]
                        let x1 = src[i], x2 = src[i + half]
                        dst[i] = x1 * c - x2 * s
                        dst[i + half] = x2 * c + x1 * s
                    }
                    for i in d ..< width { dst[i] = src[i] }
                }
            }
        }
    }
}
