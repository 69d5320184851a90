import CBLAS

/// A row-major matrix of `Double`s, for the decompositions that PEFT's data-driven inits run in
/// float64 (EVA's incremental PCA) or that need float64 to be stable (CorDA's damped inverse).
public struct Float64Matrix: Equatable, Sendable {
    public let rows: Int, cols: Int
    public var values: [Double]

    public init(rows: Int, cols: Int, values: [Double]) {
        precondition(values.count == rows * cols, "a \(rows) × \(cols) matrix needs \(rows * cols) values")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// The float32 matrix `tensor` (2-D), widened.
    public init(_ tensor: Tensor) {
        precondition(tensor.rank == 2, "a Float64Matrix is 2-D")
        self.init(rows: tensor.shape[0], cols: tensor.shape[1], values: tensor.scalars.map(Double.init))
    }

    public static func identity(_ n: Int) -> Float64Matrix {
        var values = [Double](repeating: 0, count: n * n)
        for i in 0 ..< n { values[i * n + i] = 1 }
        return Float64Matrix(rows: n, cols: n, values: values)
    }

    /// The matrix rounded to float32.
    public var tensor: Tensor { Tensor(shape: [rows, cols], data: values.map { Float($0) }) }

    public subscript(row: Int, col: Int) -> Double {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    /// `self · other` (or with either transposed), through `cblas_dgemm`.
    public func matmul(_ other: Float64Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Float64Matrix {
        let (m, k) = transposeSelf ? (cols, rows) : (rows, cols)
        let (otherK, n) = transposeOther ? (other.cols, other.rows) : (other.rows, other.cols)
        precondition(k == otherK, "matmul of \(rows) × \(cols) and \(other.rows) × \(other.cols)")
        var out = [Double](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return Float64Matrix(rows: m, cols: n, values: out) }
        cblas_dgemm(CblasRowMajor, transposeSelf ? CblasTrans : CblasNoTrans, transposeOther ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, values, Int32(max(cols, 1)), other.values, Int32(max(other.cols, 1)), 0, &out, Int32(n))
        return Float64Matrix(rows: m, cols: n, values: out)
    }

    /// The transpose.
    public var transposed: Float64Matrix {
        var out = [Double](repeating: 0, count: values.count)
        for i in 0 ..< rows { for j in 0 ..< cols { out[j * rows + i] = values[i * cols + j] } }
        return Float64Matrix(rows: cols, cols: rows, values: out)
    }

    /// Rows `range`, as a new matrix.
    public func rows(_ range: Range<Int>) -> Float64Matrix {
        Float64Matrix(rows: range.count, cols: cols, values: Array(values[range.lowerBound * cols ..< range.upperBound * cols]))
    }

    /// Columns `range`, as a new matrix.
    public func columns(_ range: Range<Int>) -> Float64Matrix {
        var out: [Double] = []
        out.reserveCapacity(rows * range.count)
        for i in 0 ..< rows { out += values[i * cols + range.lowerBound ..< i * cols + range.upperBound] }
        return Float64Matrix(rows: rows, cols: range.count, values: out)
    }
}

/// The thin SVD `A = U · diag(S) · Vᵀ` of a `Float64Matrix`, singular values descending.
public struct Float64SVD: Sendable {
    public let u: Float64Matrix
    public let s: [Double]
    public let vt: Float64Matrix

    public init(u: Float64Matrix, s: [Double], vt: Float64Matrix) {
        self.u = u
        self.s = s
        self.vt = vt
    }
}

extension Linalg {
    /// The thin SVD through `LAPACKE_dgesdd`.
    /// - Throws: `TensorError` if the matrix holds NaN or infinity or LAPACK fails.
    public static func svd(_ matrix: Float64Matrix) throws -> Float64SVD {
        let routine = "LAPACKE_dgesdd"
        try check(matrix, op: "svd", routine: routine)
        let (m, n) = (matrix.rows, matrix.cols), k = min(m, n)
        guard k > 0 else { return Float64SVD(u: Float64Matrix(rows: m, cols: 0, values: []), s: [], vt: Float64Matrix(rows: 0, cols: n, values: [])) }
        var a = matrix.values
        var s = [Double](repeating: 0, count: k), u = [Double](repeating: 0, count: m * k), vt = [Double](repeating: 0, count: k * n)
        let info = LapackThreads.run { LAPACKE_dgesdd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "S")), Int32(m), Int32(n), &a, Int32(n), &s, &u, Int32(k), &vt, Int32(n)) }
        try LapackInput.check(info: info, routine: routine, shape: [m, n], convergenceFailure: "the bidiagonal SVD did not converge; the matrix may be badly scaled")
        return Float64SVD(u: Float64Matrix(rows: m, cols: k, values: u), s: s, vt: Float64Matrix(rows: k, cols: n, values: vt))
    }

    /// The inverse of a square matrix through `LAPACKE_dgetrf` and `LAPACKE_dgetri`, as `torch.linalg.inv`.
    /// - Throws: `TensorError` if the matrix is not square, holds NaN or infinity, or is singular.
    public static func inverse(_ matrix: Float64Matrix) throws -> Float64Matrix {
        let routine = "LAPACKE_dgetri"
        try check(matrix, op: "inverse", routine: routine)
        guard matrix.rows == matrix.cols else {
            throw TensorError.shapeMismatch(op: "inverse (\(routine))", shapes: [[matrix.rows, matrix.cols]], reason: "needs a square matrix")
        }
        let n = Int32(matrix.rows)
        guard n > 0 else { return matrix }
        var a = matrix.values, pivots = [Int32](repeating: 0, count: Int(n))
        let info = LapackThreads.run {
            let info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, n, n, &a, n, &pivots)
            return info == 0 ? LAPACKE_dgetri(LAPACK_ROW_MAJOR, n, &a, n, &pivots) : info
        }
        try LapackInput.check(info: info, routine: routine, shape: [matrix.rows, matrix.cols], convergenceFailure: "the matrix is singular")
        return Float64Matrix(rows: matrix.rows, cols: matrix.cols, values: a)
    }

    private static func check(_ matrix: Float64Matrix, op: String, routine: String) throws {
        guard Int32(exactly: matrix.rows) != nil, Int32(exactly: matrix.cols) != nil else {
            throw TensorError.invalidArgument(op: "\(op) (\(routine))", reason: "the \(matrix.rows) × \(matrix.cols) matrix is too large for LAPACK's 32-bit dimensions")
        }
        guard matrix.values.allSatisfy(\.isFinite) else {
            throw TensorError.invalidArgument(op: "\(op) (\(routine))", reason: "the \(matrix.rows) × \(matrix.cols) matrix contains NaN or infinite values; check the data it came from")
        }
    }
}
