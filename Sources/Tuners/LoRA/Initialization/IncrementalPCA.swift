import Tensors

/// PEFT's `IncrementalPCA` (`peft/utils/incremental_pca.py`, a port of scikit-learn's) as EVA runs
/// it: a running mean and variance, summed in float64 as PEFT sums them; the first fit decomposes `X − mean`, later ones
/// `vstack(S · components, X − batch_mean, √(n_seen · n / n_total) · (old_mean − batch_mean))`; each
/// row of `Vᵀ` takes the sign of its largest-magnitude entry (`svd_flip`), and
/// `explained_variance_ratio = S² / Σ(var · n_total)`. PEFT decomposes with
/// `torch.svd_lowrank(q = 2 · n_components, niter = 4, seed 42)`, which is exact when `q` reaches
/// the smaller side of the matrix; there the exact SVD is used (in float64), elsewhere the same
/// randomised SVD, on float32 as PEFT's.
struct IncrementalPCA {
    let componentCount: Int
    private(set) var samplesSeen = 0
    private(set) var fits = 0
    private var mean: [Double] = []
    private var variance: [Double] = []
    /// `[componentCount, features]`, nil before the first fit.
    private(set) var components: Float64Matrix?
    private(set) var singularValues: [Double] = []
    private(set) var explainedVarianceRatio: [Double] = []

    init(components: Int) {
        componentCount = components
    }

    /// One `partial_fit` on the rows of `x` (`[samples, features]`, at least `componentCount` rows).
    mutating func partialFit(_ x: Tensor) throws {
        let (n, f) = (x.shape[0], x.shape[1])
        let first = components == nil
        let lastCount = Double(samplesSeen), newCount = Double(n), total = lastCount + newCount
        let (newSum, newUnnormalised) = x.withUnsafeBufferPointer { Self.sumAndUnnormalisedVariance($0, rows: n, cols: f) }
        let lastSum = first ? [Double](repeating: 0, count: f) : mean.map { $0 * lastCount }
        let updatedMean = (0 ..< f).map { (lastSum[$0] + newSum[$0]) / total }
        let updatedVariance: [Double] = first
            ? newUnnormalised.map { $0 / total }
            : (0 ..< f).map { j in
                let lastOverNew = lastCount / newCount
                let gap = lastSum[j] / lastOverNew - newSum[j]
                return (variance[j] * lastCount + newUnnormalised[j] + lastOverNew / total * gap * gap) / total
            }

        // The first fit decomposes `x − mean`; later ones stack the kept components (scaled by
        // their singular values), `x − batch mean` and the mean correction row.
        let stack: Stack
        if let components {
            let factor = (lastCount / total * newCount).squareRoot()
            let batchMean = newSum.map { $0 / newCount }
            stack = Stack(x: x, center: batchMean, head: (singularValues, components), correction: (0 ..< f).map { factor * (mean[$0] - batchMean[$0]) })
        } else {
            stack = Stack(x: x, center: updatedMean, head: nil, correction: nil)
        }
        var svd = try Self.svd(stack, q: 2 * componentCount)
        var vt = svd.vt
        for i in 0 ..< vt.rows {
            var largest = 0
            for j in 1 ..< f where abs(vt[i, j]) > abs(vt[i, largest]) { largest = j }
            let sign: Double = vt[i, largest] > 0 ? 1 : vt[i, largest] < 0 ? -1 : 0
            for j in 0 ..< f { vt[i, j] *= sign }
        }
        svd = Float64SVD(u: svd.u, s: svd.s, vt: vt)
        let totalVariance = updatedVariance.reduce(0) { $0 + $1 * total }
        samplesSeen += n
        fits += 1
        components = vt.rows(0 ..< componentCount)
        singularValues = Array(svd.s.prefix(componentCount))
        explainedVarianceRatio = singularValues.map { $0 * $0 / totalVariance }
        mean = updatedMean
        variance = updatedVariance
    }

    /// The column sums of `x` and the sums of squares about the column means, `Σ(x − m)² − (Σ(x − m))² / n`,
    /// in float64 as PEFT's `_incremental_mean_and_var` sums.
    private static func sumAndUnnormalisedVariance(_ x: UnsafeBufferPointer<Float>, rows n: Int, cols f: Int) -> (sum: [Double], variance: [Double]) {
        var sum = [Double](repeating: 0, count: f)
        for i in 0 ..< n { for j in 0 ..< f { sum[j] += Double(x[i * f + j]) } }
        let batchMean = sum.map { $0 / Double(n) }
        var centeredSum = [Double](repeating: 0, count: f), squares = [Double](repeating: 0, count: f)
        for i in 0 ..< n {
            for j in 0 ..< f {
                let d = Double(x[i * f + j]) - batchMean[j]
                centeredSum[j] += d
                squares[j] += d * d
            }
        }
        return (sum, (0 ..< f).map { squares[$0] - centeredSum[$0] * centeredSum[$0] / Double(n) })
    }

    /// The matrix a fit decomposes, `[head rows + samples + correction row, features]`: the kept
    /// components scaled by their singular values, the samples minus `center`, and the correction
    /// row, each element computed in float64 and then stored as the SVD reads it.
    private struct Stack {
        let x: Tensor
        let center: [Double]
        let head: (singularValues: [Double], components: Float64Matrix)?
        let correction: [Double]?

        var rows: Int { (head?.components.rows ?? 0) + x.shape[0] + (correction == nil ? 0 : 1) }
        var cols: Int { x.shape[1] }

        /// Writes the rows into `out` (`rows · cols` elements), rounding each to `T`.
        func write<T: BinaryFloatingPoint>(into out: UnsafeMutableBufferPointer<T>) {
            let f = cols
            var next = 0
            if let head {
                for i in 0 ..< head.components.rows {
                    for j in 0 ..< f { out[next + j] = T(head.singularValues[i] * head.components.values[i * f + j]) }
                    next += f
                }
            }
            x.withUnsafeBufferPointer { x in
                for i in 0 ..< x.count / f {
                    for j in 0 ..< f { out[next + j] = T(Double(x[i * f + j]) - center[j]) }
                    next += f
                }
            }
            if let correction { for j in 0 ..< f { out[next + j] = T(correction[j]) } }
        }
    }

    /// torch's `svd_lowrank(q, niter = 4)` under seed 42: exact when `q` covers the matrix's
    /// smaller side, else randomised.
    private static func svd(_ stack: Stack, q: Int) throws -> Float64SVD {
        let count = stack.rows * stack.cols
        if q >= min(stack.rows, stack.cols) {
            let values = [Double](unsafeUninitializedCapacity: count) { out, initialized in
                stack.write(into: out)
                initialized = count
            }
            return try Linalg.svd(Float64Matrix(rows: stack.rows, cols: stack.cols, values: values))
        }
        var generator = RandomGenerator(seed: 42)
        let matrix = Tensor.make(shape: [stack.rows, stack.cols]) { stack.write(into: $0) }
        let approximate = try Linalg.lowRankSVD(matrix, q: q, niter: 4, generator: &generator)
        return Float64SVD(u: Float64Matrix(approximate.u), s: approximate.s.scalars.map(Double.init), vt: Float64Matrix(approximate.vt))
    }

    /// `cosine_similarity(components, previous)` row by row.
    static func cosineSimilarities(_ a: Float64Matrix, _ b: Float64Matrix) -> [Double] {
        (0 ..< a.rows).map { i in
            var dot = 0.0, na = 0.0, nb = 0.0
            for j in 0 ..< a.cols { dot += a[i, j] * b[i, j]; na += a[i, j] * a[i, j]; nb += b[i, j] * b[i, j] }
            return dot / max((na * nb).squareRoot(), 1e-8)
        }
    }
}
