import CBLAS
import Testing
@testable import Tensors

/// SVD, QR and symmetric eigen-decomposition: reconstruction, orthogonality, known values and errors.
@Suite struct LinalgTests {
    /// A random `[rows, cols]` matrix with a fixed seed.
    static func randomMatrix(_ rows: Int, _ cols: Int, seed: UInt64) -> Tensor {
        var generator = RandomGenerator(seed: seed)
        return Tensor.normal([rows, cols], generator: &generator)
    }

    /// The largest absolute difference between `actual` and `expected`, which must have equal shapes.
    static func maxDifference(_ actual: Tensor, _ expected: Tensor) -> Float {
        #expect(actual.shape == expected.shape)
        return zip(actual.scalars, expected.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Whether `matrix` has orthonormal columns (`MᵀM = I`), or orthonormal rows when `rows` is set.
    static func isOrthonormal(_ matrix: Tensor, rows: Bool = false, tolerance: Float = 1e-5) throws -> Bool {
        let gram = try matrix.matmul(matrix, transposeSelf: !rows, transposeOther: rows)
        let size = gram.shape[0]
        return maxDifference(gram, Linalg.identity(rows: size, cols: size)) < tolerance
    }

    /// `U[:, :k] · diag(S) · Vᵀ[:k, :]`, the matrix an SVD describes.
    static func reconstruct(_ svd: SingularValueDecomposition) throws -> Tensor {
        let k = svd.s.count
        let (m, n) = (svd.u.shape[0], svd.vt.shape[1])
        let u = svd.u.scalars, s = svd.s.scalars, vt = svd.vt.scalars
        let uCols = svd.u.shape[1]
        return Tensor.make(shape: [m, n]) { out in
            for i in 0 ..< m {
                for j in 0 ..< n {
                    out[i * n + j] = (0 ..< k).reduce(0) { $0 + u[i * uCols + $1] * s[$1] * vt[$1 * n + j] }
                }
            }
        }
    }

    @Test(arguments: [(6, 4), (4, 6), (5, 5)], [SVDMode.thin, .full])
    func svdReconstructsWithOrthonormalFactors(shape: (Int, Int), mode: SVDMode) throws {
        let (m, n) = shape
        let k = min(m, n)
        let a = Self.randomMatrix(m, n, seed: 7)
        let svd = try Linalg.svd(a, mode: mode)
        #expect(svd.u.shape == (mode == .thin ? [m, k] : [m, m]))
        #expect(svd.s.shape == [k])
        #expect(svd.vt.shape == (mode == .thin ? [k, n] : [n, n]))
        #expect(Self.maxDifference(try Self.reconstruct(svd), a) < 1e-5)
        #expect(try Self.isOrthonormal(svd.u))
        #expect(try Self.isOrthonormal(svd.vt, rows: true))
        let s = svd.s.scalars
        #expect(zip(s, s.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(s.allSatisfy { $0 >= 0 })
    }

    @Test(arguments: [(40, 24), (24, 40), (30, 30)], [1, 5])
    func leadingSVDIsTheLeadingPartOfTheFullOne(shape: (Int, Int), count: Int) throws {
        let a = Self.randomMatrix(shape.0, shape.1, seed: 13)
        let full = try Linalg.svd(a)
        let leading = try Linalg.leadingSVD(a, count: count)
        #expect(leading.u.shape == [shape.0, count] && leading.s.shape == [count] && leading.vt.shape == [count, shape.1])
        #expect(Self.maxDifference(leading.s, try full.s.slice(0 ..< count)) < 1e-5)
        #expect(try Self.isOrthonormal(leading.u))
        #expect(try Self.isOrthonormal(leading.vt, rows: true))
        // The rank-`count` parts agree whatever the signs of the vector pairs.
        let truncated = SingularValueDecomposition(u: try full.u.transposed().slice(0 ..< count).transposed(), s: try full.s.slice(0 ..< count),
                                                   vt: try full.vt.slice(0 ..< count))
        #expect(Self.maxDifference(try Self.reconstruct(leading), try Self.reconstruct(truncated)) < 1e-4)
    }

    @Test func leadingSVDOfNoTripletsOrTooManyOrBadInput() throws {
        let a = Self.randomMatrix(4, 3, seed: 2)
        let none = try Linalg.leadingSVD(a, count: 0)
        #expect(none.u.shape == [4, 0] && none.s.shape == [0] && none.vt.shape == [0, 3])
        let tooMany = #expect(throws: TensorError.self) { try Linalg.leadingSVD(a, count: 4) }
        #expect(tooMany?.description.contains("has 3") == true)
        let nan = #expect(throws: TensorError.self) { try Linalg.leadingSVD(Tensor(shape: [2, 2], data: [1, .nan, 0, 1]), count: 1) }
        #expect(nan?.description.contains("LAPACKE_sgesvdx") == true)
    }

    @Test func lapackRunsOnOneBlasThreadAndRestoresTheCount() throws {
        let (before, during, after) = Kernels.withBlasThreads(2) {
            (openblas_get_num_threads(), LapackThreads.run { openblas_get_num_threads() }, openblas_get_num_threads())
        }
        #expect(during == 1)
        #expect(after == before)
        #expect(openblas_get_num_threads() == 1)
    }

    @Test func singularValuesOfKnownMatrices() throws {
        // [[3, 0], [4, 5]]: AᵀA = [[25, 20], [20, 25]] has eigenvalues 45 and 5.
        let twoByTwo = try Linalg.svd(Tensor(shape: [2, 2], data: [3, 0, 4, 5]))
        #expect(Self.maxDifference(twoByTwo.s, Tensor(shape: [2], data: [Float(45).squareRoot(), Float(5).squareRoot()])) < 1e-5)

        let diagonal = try Linalg.svd(Tensor(shape: [3, 3], data: [1, 0, 0, 0, -3, 0, 0, 0, 2]))
        #expect(Self.maxDifference(diagonal.s, Tensor(shape: [3], data: [3, 2, 1])) < 1e-6)
    }

    @Test func svdOfEmptyMatrixGivesEmptyOrIdentityFactors() throws {
        let thin = try Linalg.svd(Tensor.zeros([3, 0]))
        #expect(thin.u.shape == [3, 0] && thin.s.shape == [0] && thin.vt.shape == [0, 0])
        let full = try Linalg.svd(Tensor.zeros([0, 2]), mode: .full)
        #expect(full.u.shape == [0, 0] && full.s.shape == [0])
        #expect(full.vt.scalars == [1, 0, 0, 1])
    }

    @Test func decompositionsAreNotRecordedOnTheTape() throws {
        let a = Self.randomMatrix(3, 3, seed: 3)
        a.requiresGrad = true
        let svd = try Linalg.svd(a)
        let qr = try Linalg.qr(a)
        #expect(![svd.u, svd.s, svd.vt, qr.q, qr.r].contains { $0.requiresGrad })
    }

    @Test(arguments: [(6, 4), (4, 6), (5, 5)])
    func qrReconstructsWithOrthonormalQAndTriangularR(shape: (Int, Int)) throws {
        let (m, n) = shape
        let k = min(m, n)
        let a = Self.randomMatrix(m, n, seed: 11)
        let qr = try Linalg.qr(a)
        #expect(qr.q.shape == [m, k])
        #expect(qr.r.shape == [k, n])
        #expect(Self.maxDifference(try qr.q.matmul(qr.r), a) < 1e-5)
        #expect(try Self.isOrthonormal(qr.q))
        let r = qr.r.scalars
        #expect((0 ..< k).allSatisfy { i in (0 ..< min(i, n)).allSatisfy { j in r[i * n + j] == 0 } })
    }

    @Test func qrOfEmptyMatrixIsEmpty() throws {
        let qr = try Linalg.qr(Tensor.zeros([4, 0]))
        #expect(qr.q.shape == [4, 0] && qr.r.shape == [0, 0])
    }

    @Test func eighOfKnownMatrix() throws {
        let eigen = try Linalg.eigh(Tensor(shape: [2, 2], data: [2, 1, 1, 2]))
        #expect(Self.maxDifference(eigen.eigenvalues, Tensor(shape: [2], data: [1, 3])) < 1e-6)
        // Column 0 is ±[1, -1]/√2 and column 1 is ±[1, 1]/√2.
        let v = eigen.eigenvectors.scalars
        let half = Float(0.5).squareRoot()
        #expect(abs(abs(v[0]) - half) < 1e-6 && abs(v[0] + v[2]) < 1e-6)
        #expect(abs(abs(v[1]) - half) < 1e-6 && abs(v[1] - v[3]) < 1e-6)
    }

    @Test func eighReconstructsSymmetricMatrix() throws {
        let b = Self.randomMatrix(5, 5, seed: 5)
        let a = try b.adding(b.transposed())
        let eigen = try Linalg.eigh(a)
        let values = eigen.eigenvalues.scalars
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(try Self.isOrthonormal(eigen.eigenvectors))
        let scaledColumns = try eigen.eigenvectors.multiplying(eigen.eigenvalues)
        let rebuilt = try scaledColumns.matmul(eigen.eigenvectors, transposeOther: true)
        #expect(Self.maxDifference(rebuilt, a) < 1e-5)
    }

    @Test func eighReadsOnlyTheLowerTriangle() throws {
        let symmetric = try Linalg.eigh(Tensor(shape: [2, 2], data: [2, 1, 1, 2]))
        let lowerOnly = try Linalg.eigh(Tensor(shape: [2, 2], data: [2, 99, 1, 2]))
        #expect(symmetric.eigenvalues.scalars == lowerOnly.eigenvalues.scalars)
    }

    @Test func eighOfEmptyMatrixIsEmpty() throws {
        let eigen = try Linalg.eigh(Tensor.zeros([0, 0]))
        #expect(eigen.eigenvalues.shape == [0] && eigen.eigenvectors.shape == [0, 0])
    }

    @Test func nonFiniteInputIsRejectedBeforeLapackRuns() throws {
        let nan = Tensor(shape: [2, 2], data: [1, .nan, 0, 1])
        let error = #expect(throws: TensorError.self) { try Linalg.svd(nan) }
        #expect(error?.description.contains("LAPACKE_sgesdd") == true)
        #expect(error?.description.contains("[2, 2]") == true)
        #expect(throws: TensorError.self) { try Linalg.qr(Tensor(shape: [2, 1], data: [.infinity, 1])) }
        #expect(throws: TensorError.self) { try Linalg.eigh(Tensor(shape: [1, 1], data: [-.infinity])) }
    }

    @Test func eighRejectsNonSquareMatrix() throws {
        let error = #expect(throws: TensorError.self) { try Linalg.eigh(Tensor.zeros([2, 3])) }
        guard case let .shapeMismatch(op, shapes, _) = error else {
            Issue.record("expected a shape mismatch, got \(String(describing: error))")
            return
        }
        #expect(op.contains("LAPACKE_ssyevd") && shapes == [[2, 3]])
    }

    @Test func nonMatricesAreRejected() throws {
        #expect(throws: TensorError.self) { try Linalg.svd(Tensor.zeros([2, 2, 2])) }
        #expect(throws: TensorError.self) { try Linalg.qr(Tensor.zeros([4])) }
        #expect(throws: TensorError.self) { try Linalg.eigh(Tensor(scalar: 1)) }
    }
}
