import Tensors

/// The thin SVD of `Σ wᵢ · ΔWᵢ` for LoRA deltas `ΔWᵢ = sᵢ · Bᵢ Aᵢ` (the `svd` combination's
/// delta), from the factors, without forming or decomposing the m × n sum. Stacked, the sum is
/// `B A` with `B = [w₁s₁B₁ … w_ks_kB_k]` (`[m, K]`, `K = Σ rᵢ`) and `A = [A₁; …; A_k]` (`[K, n]`).
/// With the reduced QRs `B = Q_b R_b` and `Aᵀ = Q_a R_a`, `B A = Q_b (R_b R_aᵀ) Q_aᵀ`, so the SVD
/// `U' S V'ᵀ` of the K × K core gives `U = Q_b U'` and `Vᵀ = V'ᵀ Q_aᵀ`: the K leading singular
/// triplets of the sum, whose other singular values are zero. PEFT decomposes the formed sum
/// whole (`torch.linalg.svd`); the leading triplets are the same, up to rounding and signs.
struct LowRankSumSVD {
    /// `[m, K]`, orthonormal columns.
    let u: Tensor
    /// `K` values, descending.
    let s: [Float]
    /// `[K, n]`, orthonormal rows.
    let vt: Tensor

    /// nil when `K` is more than `min(m, n)` (the stacked factors then have no thin QR to use).
    init?(_ terms: [(factors: LoraFactors, weight: Float)]) throws {
        let bs = try terms.map { try $0.factors.b.value() }, As = try terms.map { try $0.factors.a.value() }
        let (m, n, k) = (bs[0].shape[0], As[0].shape[1], As.map { $0.shape[0] }.reduce(0, +))
        guard k > 0, k <= min(m, n) else { return nil }
        let b = Tensor.make(shape: [m, k]) { out in
            var column = 0
            for (term, factor) in zip(terms, bs) {
                let (r, values, scale) = (factor.shape[1], factor.scalars, term.weight * term.factors.scaling)
                for i in 0 ..< m { for j in 0 ..< r { out[i * k + column + j] = values[i * r + j] * scale } }
                column += r
            }
        }
        let a = Tensor(shape: [k, n], data: As.flatMap(\.scalars))
        let (left, right) = (try Linalg.qr(b), try Linalg.qr(a.transposed()))
        let core = try Linalg.svd(left.r.matmul(right.r, transposeOther: true))
        u = try left.q.matmul(core.u)
        s = core.s.scalars
        vt = try core.vt.matmul(right.q, transposeOther: true)
    }
}
