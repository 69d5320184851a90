import CBLAS

/// How much of the orthogonal factors an SVD of an `m x n` matrix (with `k = min(m, n)`) returns.
public enum SVDMode: Sendable {
    /// `U` is `[m, k]` and `Vᵀ` is `[k, n]` (LAPACK's `jobz = 'S'`, torch's `full_matrices=False`).
    case thin
    /// `U` is `[m, m]` and `Vᵀ` is `[n, n]` (LAPACK's `jobz = 'A'`, torch's `full_matrices=True`).
    case full
}

/// The factors of `A = U · diag(S) · Vᵀ`: `U` and `V` with orthonormal columns and the singular
/// values `S` (length `min(m, n)`) in descending order.
public struct SingularValueDecomposition {
    /// The left singular vectors, as columns.
    public let u: Tensor
    /// The singular values, non-negative and descending.
    public let s: Tensor
    /// The right singular vectors, as rows (`Vᵀ`).
    public let vt: Tensor
}

extension Linalg {
    /// The singular value decomposition of a matrix, through `LAPACKE_sgesdd` (divide and conquer).
    /// - Throws: `TensorError` if `matrix` is not 2-D, holds NaN or infinity, or LAPACK fails.
    public static func svd(_ matrix: Tensor, mode: SVDMode = .thin) throws -> SingularValueDecomposition {
        let routine = "LAPACKE_sgesdd"
        let (m, n) = try LapackInput.dimensions(of: matrix, op: "svd", routine: routine)
        let k = min(m, n)
        let (uCols, vtRows) = mode == .thin ? (k, k) : (m, n)
        guard k > 0 else {
            return SingularValueDecomposition(u: identity(rows: Int(m), cols: Int(uCols)), s: Tensor.zeros([0]),
                                              vt: identity(rows: Int(vtRows), cols: Int(n)))
        }
        var a = matrix.scalars
        var s = [Float](repeating: 0, count: Int(k))
        var u = [Float](repeating: 0, count: Int(m) * Int(uCols))
        var vt = [Float](repeating: 0, count: Int(vtRows) * Int(n))
        let jobz: CChar = mode == .thin ? CChar(UInt8(ascii: "S")) : CChar(UInt8(ascii: "A"))
        let info = LapackThreads.run { LAPACKE_sgesdd(LAPACK_ROW_MAJOR, jobz, m, n, &a, n, &s, &u, uCols, &vt, n) }
        try LapackInput.check(info: info, routine: routine, shape: matrix.shape,
                              convergenceFailure: "the bidiagonal SVD did not converge; the matrix may be badly scaled")
        return SingularValueDecomposition(u: Tensor(shape: [Int(m), Int(uCols)], data: u), s: Tensor(shape: [Int(k)], data: s),
                                          vt: Tensor(shape: [Int(vtRows), Int(n)], data: vt))
    }

    /// A `[rows, cols]` matrix with ones on the diagonal: the orthogonal factor of an empty matrix.
    static func identity(rows: Int, cols: Int) -> Tensor {
        let out = Tensor.zeros([rows, cols])
        out.withUnsafeMutableBufferPointer { values in
            for i in 0 ..< min(rows, cols) { values[i * cols + i] = 1 }
        }
        return out
    }
}
