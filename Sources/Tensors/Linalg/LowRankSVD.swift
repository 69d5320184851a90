extension Linalg {
    /// torch's `svd_lowrank(A, q, niter)`: a randomised SVD of rank `q` (Halko et al.). A Gaussian
    /// sketch `A·Ω` is orthonormalised by QR and refined by `niter` subspace iterations; the SVD of
    /// the small projection `Qᵀ·A` gives the factors. For `m < n` it works on `Aᵀ` and swaps the
    /// factors back, as torch does. Returns `U` `[m, q]`, `S` `[q]` and `Vᵀ` `[q, n]`, with
    /// `q ≤ min(m, n)`. The sketch draws from `generator`.
    /// - Throws: `TensorError` if `matrix` is not 2-D, holds NaN or infinity, `q` is out of range, or LAPACK fails.
    public static func lowRankSVD(_ matrix: Tensor, q: Int, niter: Int, generator: inout RandomGenerator) throws -> SingularValueDecomposition {
        _ = try LapackInput.dimensions(of: matrix, op: "svd_lowrank", routine: "LAPACKE_sgeqrf")
        let (m, n) = (matrix.shape[0], matrix.shape[1])
        guard q >= 0, q <= min(m, n), niter >= 0 else {
            throw TensorError.invalidArgument(op: "svd_lowrank", reason: "q = \(q) and niter = \(niter) must satisfy 0 ≤ q ≤ min(m, n) = \(min(m, n)) and niter ≥ 0")
        }
        return try GradMode.withoutGradients {
            let a = m < n ? try matrix.transposed() : matrix
            let sketch = Tensor.normal([a.shape[1], q], generator: &generator)
            var basis = try qr(a.matmul(sketch)).q
            for _ in 0 ..< niter {
                basis = try qr(a.matmul(basis, transposeSelf: true)).q
                basis = try qr(a.matmul(basis)).q
            }
            let small = try svd(basis.matmul(a, transposeSelf: true))
            let u = try basis.matmul(small.u)
            if m < n { return SingularValueDecomposition(u: try small.vt.transposed(), s: small.s, vt: try u.transposed()) }
            return SingularValueDecomposition(u: u, s: small.s, vt: small.vt)
        }
    }
}
