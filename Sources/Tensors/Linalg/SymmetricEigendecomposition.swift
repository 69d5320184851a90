import CBLAS

/// The eigen-decomposition of a symmetric `n x n` matrix, `A = V · diag(λ) · Vᵀ`.
public struct SymmetricEigendecomposition {
    /// The eigenvalues `λ`, `[n]`, in ascending order.
    public let eigenvalues: Tensor
    /// The orthonormal eigenvectors `V`, `[n, n]`; column `i` belongs to eigenvalue `i`.
    public let eigenvectors: Tensor
}

extension Linalg {
    /// The eigenvalues and eigenvectors of a symmetric matrix, through `LAPACKE_ssyevd` (divide and
    /// conquer). As torch's `eigh` does by default, only the lower triangle is read; the upper one is
    /// assumed to mirror it.
    /// - Throws: `TensorError` if `matrix` is not square, holds NaN or infinity, or LAPACK fails.
    public static func eigh(_ matrix: Tensor) throws -> SymmetricEigendecomposition {
        let routine = "LAPACKE_ssyevd"
        let (n, cols) = try LapackInput.dimensions(of: matrix, op: "eigh", routine: routine)
        guard n == cols else {
            throw TensorError.shapeMismatch(op: "eigh (\(routine))", shapes: [matrix.shape],
                                            reason: "needs a square symmetric matrix")
        }
        guard n > 0 else {
            return SymmetricEigendecomposition(eigenvalues: Tensor.zeros([0]), eigenvectors: Tensor.zeros([0, 0]))
        }
        var a = matrix.scalars
        var w = [Float](repeating: 0, count: Int(n))
        let info = LapackThreads.run { LAPACKE_ssyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")), n, &a, n, &w) }
        try LapackInput.check(info: info, routine: routine, shape: matrix.shape,
                              convergenceFailure: "the eigenvalue iteration did not converge")
        return SymmetricEigendecomposition(eigenvalues: Tensor(shape: [Int(n)], data: w),
                                           eigenvectors: Tensor(shape: [Int(n), Int(n)], data: a))
    }
}
