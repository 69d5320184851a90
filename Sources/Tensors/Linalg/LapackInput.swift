import CBLAS

/// The checks every LAPACK wrapper makes before and after its call: the input is a matrix whose
/// dimensions fit LAPACK's 32-bit integers and whose values are all finite, and `info` is zero.
/// Errors name the operation, the LAPACK routine and the input's shape.
enum LapackInput {
    /// The rows and columns of `matrix` as LAPACK integers, or an error if it is not a 2-D tensor
    /// of finite values.
    static func dimensions(of matrix: Tensor, op: String, routine: String) throws -> (rows: Int32, cols: Int32) {
        guard matrix.rank == 2 else {
            throw TensorError.shapeMismatch(op: "\(op) (\(routine))", shapes: [matrix.shape],
                                            reason: "needs a matrix (2 dimensions), got \(matrix.rank); reshape the input first")
        }
        guard let rows = Int32(exactly: matrix.shape[0]), let cols = Int32(exactly: matrix.shape[1]) else {
            throw TensorError.invalidArgument(op: "\(op) (\(routine))",
                                              reason: "the \(matrix.shape) matrix is too large for LAPACK's 32-bit dimensions")
        }
        let finite = matrix.withUnsafeBufferPointer { values in values.allSatisfy { $0.isFinite } }
        guard finite else {
            throw TensorError.invalidArgument(op: "\(op) (\(routine))",
                                              reason: "the \(matrix.shape) matrix contains NaN or infinite values; check the weights or gradients it came from")
        }
        return (rows, cols)
    }

    /// Throws `TensorError.lapackFailure` for a nonzero `info`: a negative one is an argument LAPACKE
    /// rejected (or its workspace allocation failing), a positive one the routine's own failure,
    /// described by `convergenceFailure`.
    static func check(info: Int32, routine: String, shape: [Int], convergenceFailure: String) throws {
        guard info != 0 else { return }
        let reason: String
        switch info {
        case LAPACK_WORK_MEMORY_ERROR, LAPACK_TRANSPOSE_MEMORY_ERROR:
            reason = "out of memory allocating the workspace for the \(shape) matrix"
        case ..<0:
            reason = "argument \(-info) was rejected for the \(shape) matrix"
        default:
            reason = "\(convergenceFailure) (input shape \(shape))"
        }
        throw TensorError.lapackFailure(routine: routine, info: info, reason: reason)
    }
}
