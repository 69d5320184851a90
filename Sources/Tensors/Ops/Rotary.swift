import Foundation

/// Cosines and sines of rotary position embeddings (RoPE) for a range of positions, computed as
/// transformers' default `LlamaRotaryEmbedding` does in float32: `inv_freq[i] = 1 / θ^(2i / D)`,
/// angle = position · inv_freq[i], used for both halves of the head (the "rotate_half" convention).
public struct RotaryTable: Sendable {
    /// The head dimension `D` (even).
    public let dimension: Int
    /// The first position the table covers.
    public let firstPosition: Int
    /// How many positions it covers.
    public let length: Int
    /// `cos` and `sin` per position and frequency, `[length, D / 2]`.
    let cosines: [Float], sines: [Float]

    public init(dimension: Int, theta: Double, positions: Range<Int>) throws {
        guard dimension > 0, dimension % 2 == 0 else {
            throw TensorError.invalidArgument(op: "rotary", reason: "the head dimension must be even, got \(dimension)")
        }
        self.dimension = dimension
        self.firstPosition = positions.lowerBound
        self.length = positions.count
        let half = dimension / 2
        let inverseFrequencies = (0 ..< half).map { i -> Float in
            1 / Float(Foundation.pow(Double(Float(theta)), Double(Float(2 * i) / Float(dimension))))
        }
        var cosines = [Float](), sines = [Float]()
        cosines.reserveCapacity(positions.count * half)
        sines.reserveCapacity(positions.count * half)
        for position in positions {
            for f in inverseFrequencies {
                let angle = Double(Float(position) * f)
                cosines.append(Float(Foundation.cos(angle)))
                sines.append(Float(Foundation.sin(angle)))
            }
        }
        self.cosines = cosines
        self.sines = sines
    }
}

extension Tensor {
    /// Rotary position embedding of `self` `[..., T, D]` with the table's positions for the `T` rows:
    /// `x · cos + rotate_half(x) · sin`, where `rotate_half(x) = [−x₂, x₁]`.
    public func applyingRotary(_ table: RotaryTable) throws -> Tensor {
        guard rank >= 2, shape[rank - 1] == table.dimension, shape[rank - 2] == table.length else {
            throw TensorError.shapeMismatch(op: "rotary", shapes: [shape, [table.length, table.dimension]],
                                            reason: "the last two dimensions must be [positions, head dimension]")
        }
        let out = Kernels.rotate(self, table, inverse: false)
        return Tensor.record(out, op: "rotary", inputs: [self]) { g in [Kernels.rotate(g, table, inverse: true)] }
    }
}

extension Kernels {
    /// Rotates each pair `(x[i], x[i + D/2])` by the table's angle, or by its negative when `inverse`
    /// (the transpose of the rotation, which is the backward pass).
    static func rotate(_ x: Tensor, _ table: RotaryTable, inverse: Bool) -> Tensor {
        let d = table.dimension, half = d / 2, positions = table.length
        let sign: Float = inverse ? -1 : 1
        return table.cosines.withUnsafeBufferPointer { cosines in
            table.sines.withUnsafeBufferPointer { sines in
                Kernels.rowwise(x, d) { row, src, dst in
                    let base = (row % positions) * half
                    for i in 0 ..< half {
                        let c = cosines[base + i], s = sign * sines[base + i]
                        let x1 = src[i], x2 = src[i + half]
                        dst[i] = x1 * c - x2 * s
                        dst[i + half] = x2 * c + x1 * s
                    }
                }
            }
        }
    }
}
