import Tensors

/// PEFT's `orthogonal_init`: `Q` from the QR of a random r × r matrix; `A = (N₁ Q[0::2])ᵀ / 10` with
/// `N₁` `[in, r/2]` random, `B = N₂ᵀ Q[1::2] / 10` with `N₂` `[r/2, out]` random. The rows of `Q` are
/// orthonormal, so `B A = 0`: the output is unchanged, while A and B each have rank r/2.
enum OrthogonalInitialization {
    static func weights(_ input: LinearInitializationInput, generator: inout RandomGenerator) throws -> LinearInitialization {
        let r = input.r
        guard r % 2 == 0 else {
            throw TunerError.invalidValue(field: "init_lora_weights", reason: "Orthogonal initialization requires the LoRA rank to be even, got \(r) instead (module \(input.module)); use an even r or rank_pattern value")
        }
        return try GradMode.withoutGradients {
            let q = try Linalg.qr(Tensor.normal([r, r], generator: &generator)).q
            let rows = q.scalars
            let odd = Tensor.make(shape: [r / 2, r]) { out in
                for i in 0 ..< r / 2 { for j in 0 ..< r { out[i * r + j] = rows[(2 * i) * r + j] } }
            }
            let even = Tensor.make(shape: [r / 2, r]) { out in
                for i in 0 ..< r / 2 { for j in 0 ..< r { out[i * r + j] = rows[(2 * i + 1) * r + j] } }
            }
            let a = try Tensor.normal([input.inFeatures, r / 2], generator: &generator).matmul(odd).transposed().scaled(by: 0.1)
            let b = try Tensor.normal([r / 2, input.outFeatures], generator: &generator).matmul(even, transposeSelf: true).scaled(by: 0.1)
            return LinearInitialization(a: a, b: b, residual: nil)
        }
    }
}
