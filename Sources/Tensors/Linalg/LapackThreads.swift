import CBLAS
import Synchronization

/// Every LAPACK call runs on one BLAS thread. OpenBLAS starts with a thread per core, and its
/// LAPACK routines under two threads on a loaded machine were seen taking 40 s for a 512 × 512
/// `sgesdd` that one thread does in 1.4 s: the routines are chains of small BLAS-2 steps whose
/// threads wait on each other. The inits get both cores by decomposing one module per core
/// (`LinearInitializationBatch`) instead.
///
/// BLAS is already on one thread everywhere but inside `Kernels.withBlasThreads(n)`; a LAPACK call
/// made there lowers it to one for its duration. Calls from several threads at once are safe: the
/// first to enter lowers the count, the last to leave restores it.
enum LapackThreads {
    /// How many LAPACK calls are running, and the BLAS thread count the first one found.
    private static let state = Mutex<(running: Int, saved: Int32)>((0, 1))

    /// Runs `body` (a LAPACK call) with BLAS on one thread.
    static func run<R>(_ body: () throws -> R) rethrows -> R {
        Kernels.useOneBlasThread()
        state.withLock { state in
            if state.running == 0 {
                state.saved = openblas_get_num_threads()
                if state.saved != 1 { openblas_set_num_threads(1) }
            }
            state.running += 1
        }
        defer {
            state.withLock { state in
                state.running -= 1
                if state.running == 0, state.saved != 1 { openblas_set_num_threads(state.saved) }
            }
        }
        return try body()
    }
}
