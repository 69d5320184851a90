import CBLAS

extension Linalg {
    /// The `count` largest singular triplets of a matrix, exactly (not a randomised estimate),
    /// through `LAPACKE_sgesvdx` (`range = 'I'`): the same leading factors as the first `count` of
    /// `svd(matrix)`, up to rounding and the signs of singular vector pairs, without forming the
    /// other `min(m, n) − count`. Returns `U` `[m, count]`, `S` `[count]` descending and `Vᵀ`
    /// `[count, n]`.
    /// - Throws: `TensorError` if `matrix` is not 2-D, holds NaN or infinity, `count` is not in
    ///   `0 ... min(m, n)`, or LAPACK fails.
    public static func leadingSVD(_ matrix: Tensor, count: Int) throws -> SingularValueDecomposition {
        let routine = "LAPACKE_sgesvdx"
        let (m, n) = try LapackInput.dimensions(of: matrix, op: "svd", routine: routine)
        let k = Int(min(m, n))
        guard count >= 0, count <= k else {
            throw TensorError.invalidArgument(op: "svd (\(routine))", reason: "asked for \(count) singular triplets of a \(matrix.shape) matrix, which has \(k)")
        }
        guard count > 0 else {
            return SingularValueDecomposition(u: Tensor.zeros([Int(m), 0]), s: Tensor.zeros([0]), vt: Tensor.zeros([0, Int(n)]))
        }
        var a = matrix.scalars
        var found: Int32 = 0
        var s = [Float](repeating: 0, count: k)
        var u = [Float](repeating: 0, count: Int(m) * count)
        var vt = [Float](repeating: 0, count: count * Int(n))
        var work = [Int32](repeating: 0, count: 12 * k)
        let vectors = CChar(UInt8(ascii: "V"))
        let info = LapackThreads.run {
            LAPACKE_sgesvdx(LAPACK_ROW_MAJOR, vectors, vectors, CChar(UInt8(ascii: "I")), m, n, &a, n, 0, 0, 1, Int32(count),
                            &found, &s, &u, Int32(count), &vt, n, &work)
        }
        try LapackInput.check(info: info, routine: routine, shape: matrix.shape,
                              convergenceFailure: "the singular vectors did not converge; the matrix may be badly scaled")
        guard found == Int32(count) else {
            throw TensorError.lapackFailure(routine: routine, info: info, reason: "found \(found) of the \(count) leading singular values of the \(matrix.shape) matrix")
        }
        return SingularValueDecomposition(u: Tensor(shape: [Int(m), count], data: u), s: Tensor(shape: [count], data: Array(s.prefix(count))),
                                          vt: Tensor(shape: [count, Int(n)], data: vt))
    }
}
