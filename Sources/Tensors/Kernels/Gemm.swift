import CBLAS

/// The raw kernels under the operations: BLAS matrix products and the few loops that operations
/// share. They work on buffers and write results in place; they know nothing of the tape.
public enum Kernels {
    /// `C = alpha * op(A) * op(B) + beta * C` on row-major buffers, through `cblas_sgemm`.
    /// `op(A)` is `m x k`, `op(B)` is `k x n`; a transposed operand is read transposed by BLAS, never
    /// copied. `lda`/`ldb` default to the row length of the stored (untransposed) matrix.
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if beta == 0 {
                for row in 0 ..< m { (c + row * (ldc ?? n)).update(repeating: 0, count: n) }
            } else if beta != 1 {
                for row in 0 ..< m { for col in 0 ..< n { c[row * (ldc ?? n) + col] *= beta } }
            }
            return
        }
        GemmTally.current?.add(flops: 2 * m * n * k)
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda ?? (transposeA ? m : k)),
            b, Int32(ldb ?? (transposeB ? k : n)),
            beta, c, Int32(ldc ?? n))
    }

    /// Adds `source` into `target` element by element (`target += source`), in place.
    public static func add(into target: Tensor, _ source: Tensor, scale: Float = 1) {
        precondition(target.count == source.count, "add(into:) needs equal element counts")
        guard source.count > 0 else { return }
        source.withUnsafeBufferPointer { src in
            target.withUnsafeMutableBufferPointer { dst in
                cblas_saxpy(Int32(src.count), scale, src.baseAddress, 1, dst.baseAddress, 1)
            }
        }
    }
}
