import CBLAS

/// The reduced QR factors of an `m x n` matrix, `A = Q · R` with `k = min(m, n)`: `Q` is `[m, k]`
/// with orthonormal columns and `R` is `[k, n]` upper triangular.
public struct QRDecomposition {
    /// The orthonormal factor, `[m, k]`.
    public let q: Tensor
    /// The upper-triangular factor, `[k, n]`; entries below the diagonal are zero.
    public let r: Tensor
}

extension Linalg {
    /// The reduced QR decomposition of a matrix (torch's `mode='reduced'`), through
    /// `LAPACKE_sgeqrf` (Householder reflectors) and `LAPACKE_sorgqr` (forming `Q` from them).
    /// The diagonal of `R` may be negative, as LAPACK leaves it.
    /// - Throws: `TensorError` if `matrix` is not 2-D, holds NaN or infinity, or LAPACK fails.
    public static func qr(_ matrix: Tensor) throws -> QRDecomposition {
        let (m, n) = try LapackInput.dimensions(of: matrix, op: "qr", routine: "LAPACKE_sgeqrf")
        let (rows, cols, k) = (Int(m), Int(n), Int(min(m, n)))
        guard k > 0 else {
            return QRDecomposition(q: Tensor.zeros([rows, 0]), r: Tensor.zeros([0, cols]))
        }
        var a = matrix.scalars
        var tau = [Float](repeating: 0, count: k)
        try LapackInput.check(info: LapackThreads.run { LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, m, n, &a, n, &tau) },
                              routine: "LAPACKE_sgeqrf", shape: matrix.shape, convergenceFailure: "the factorization failed")
        let r = Tensor.make(shape: [k, cols]) { r in
            for i in 0 ..< k {
                for j in 0 ..< cols { r[i * cols + j] = j >= i ? a[i * cols + j] : 0 }
            }
        }
        // The reflectors sit in the first k columns of `a` (row stride n); sorgqr turns them into Q there.
        try LapackInput.check(info: LapackThreads.run { LAPACKE_sorgqr(LAPACK_ROW_MAJOR, m, Int32(k), Int32(k), &a, n, tau) },
                              routine: "LAPACKE_sorgqr", shape: matrix.shape, convergenceFailure: "forming Q failed")
        let q = Tensor.make(shape: [rows, k]) { q in
            for i in 0 ..< rows {
                for j in 0 ..< k { q[i * k + j] = a[i * cols + j] }
            }
        }
        return QRDecomposition(q: q, r: r)
    }
}
