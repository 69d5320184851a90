import CBLAS

/// The raw kernels under the operations: BLAS matrix products and the few loops that operations
/// share. They work on buffers and write results in place; they know nothing of the tape.
public enum Kernels {
    /// `C = alpha * op(A) * op(B) + beta * C` on row-major buffers, through `cblas_sgemm`.
    /// `op(A)` is `m x k`, `op(B)` is `k x n`; a transposed operand is read transposed by BLAS, never
    /// copied. `lda`/`ldb`/`ldc` default to the row length of the stored (untransposed) matrix.
    ///
    /// A large product is split into column or row blocks run on the engine's own workers
    /// (`Parallel`), each a single-threaded BLAS call; `serial` keeps it on the calling thread, for
    /// callers that already run many small products in parallel (attention heads).
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
        b: UnsafePointer<Float>, ldb: Int? = nil,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
        serial: Bool = false
    ) {
        guard m > 0, n > 0 else { return }
        let ldc = ldc ?? n
        guard k > 0 else {
            if beta == 0 {
                for row in 0 ..< m { (c + row * ldc).update(repeating: 0, count: n) }
            } else if beta != 1 {
                for row in 0 ..< m { for col in 0 ..< n { c[row * ldc + col] *= beta } }
            }
            return
        }
        GemmTally.current?.add(flops: 2 * m * n * k)
        let call = BlasCall(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                            a: a, lda: lda ?? (transposeA ? m : k), b: b, ldb: ldb ?? (transposeB ? k : n),
                            beta: beta, c: c, ldc: ldc)
        if serial || m * n * k < parallelWork || Parallel.width == 1 {
            call.run()
        } else if n >= m {
            Parallel.forBlocks(of: n, alignedTo: 16) { call.columns($0).run() }
        } else {
            Parallel.forBlocks(of: m, alignedTo: 16) { call.rows($0).run() }
        }
    }

    /// Products below this many multiply-adds (about 64³) run on one thread.
    static let parallelWork = 1 << 18

    /// Runs `body` with BLAS's own thread pool at `threads` threads, then returns BLAS to one thread.
    /// Benchmarks use it to measure plain multi-threaded `cblas_sgemm` as the machine's GEMM peak.
    public static func withBlasThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        useOneBlasThread()
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        return try body()
    }

    /// Puts BLAS on one thread, once per process (OpenBLAS starts with one thread per core).
    static func useOneBlasThread() { _ = singleThreadedBlas }

    private static let singleThreadedBlas: Void = openblas_set_num_threads(1)

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

/// One `cblas_sgemm` call on row-major buffers, which can be cut into blocks of rows or columns of
/// `C`. BLAS itself runs single-threaded: the engine's workers are the only threads doing
/// arithmetic, so BLAS's own pool never spins against them for the two cores.
private struct BlasCall {
    var transposeA: Bool, transposeB: Bool
    var m: Int, n: Int, k: Int
    var alpha: Float
    var a: UnsafePointer<Float>, lda: Int
    var b: UnsafePointer<Float>, ldb: Int
    var beta: Float
    var c: UnsafeMutablePointer<Float>, ldc: Int


    /// Rows `range` of `C`: the same rows of `op(A)`.
    func rows(_ range: Range<Int>) -> BlasCall {
        var block = self
        block.m = range.count
        block.a = a + (transposeA ? range.lowerBound : range.lowerBound * lda)
        block.c = c + range.lowerBound * ldc
        return block
    }

    /// Columns `range` of `C`: the same columns of `op(B)`.
    func columns(_ range: Range<Int>) -> BlasCall {
        var block = self
        block.n = range.count
        block.b = b + (transposeB ? range.lowerBound * ldb : range.lowerBound)
        block.c = c + range.lowerBound
        return block
    }

    func run() {
        Kernels.useOneBlasThread()
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
