import Tensors

/// PEFT's `IncrementalPCA` (`peft/utils/incremental_pca.py`, a port of scikit-learn's) as EVA runs
/// it, in float64: a running mean and variance; the first fit decomposes `X − mean`, later ones
/// `vstack(S · components, X − batch_mean, √(n_seen · n / n_total) · (old_mean − batch_mean))`; each
/// row of `Vᵀ` takes the sign of its largest-magnitude entry (`svd_flip`), and
/// `explained_variance_ratio = S² / Σ(var · n_total)`. PEFT decomposes with
/// `torch.svd_lowrank(q = 2 · n_components, niter = 4, seed 42)`, which is exact when `q` reaches
/// the smaller side of the matrix; there the exact SVD is used, elsewhere the same randomised SVD.
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
    mutating func partialFit(_ x: Float64Matrix) throws {
        let (n, f) = (x.rows, x.cols)
        let first = components == nil
        let lastCount = Double(samplesSeen), newCount = Double(n), total = lastCount + newCount
        var newSum = [Double](repeating: 0, count: f)
        for i in 0 ..< n { for j in 0 ..< f { newSum[j] += x.values[i * f + j] } }
        let lastSum = first ? [Double](repeating: 0, count: f) : mean.map { $0 * lastCount }
        let updatedMean = (0 ..< f).map { (lastSum[$0] + newSum[$0]) / total }
        var centeredSum = [Double](repeating: 0, count: f), squares = [Double](repeating: 0, count: f)
        for i in 0 ..< n {
            for j in 0 ..< f {
                let d = x.values[i * f + j] - newSum[j] / newCount
                centeredSum[j] += d
                squares[j] += d * d
            }
        }
        let newUnnormalised = (0 ..< f).map { squares[$0] - centeredSum[$0] * centeredSum[$0] / newCount }
        let updatedVariance: [Double] = first
            ? newUnnormalised.map { $0 / total }
            : (0 ..< f).map { j in
                let lastOverNew = lastCount / newCount
                let gap = lastSum[j] / lastOverNew - newSum[j]
                return (variance[j] * lastCount + newUnnormalised[j] + lastOverNew / total * gap * gap) / total
            }

        var stacked: Float64Matrix
        if let components {
            let batchMean = newSum.map { $0 / newCount }
            var values: [Double] = []
            values.reserveCapacity((componentCount + n + 1) * f)
            for i in 0 ..< componentCount { for j in 0 ..< f { values.append(singularValues[i] * components[i, j]) } }
            for i in 0 ..< n { for j in 0 ..< f { values.append(x.values[i * f + j] - batchMean[j]) } }
            let factor = (lastCount / total * newCount).squareRoot()
            for j in 0 ..< f { values.append(factor * (mean[j] - batchMean[j])) }
            stacked = Float64Matrix(rows: componentCount + n + 1, cols: f, values: values)
        } else {
            stacked = x
            for i in 0 ..< n { for j in 0 ..< f { stacked.values[i * f + j] -= updatedMean[j] } }
        }

        var svd = try Self.svd(stacked, q: 2 * componentCount)
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

    /// torch's `svd_lowrank(q, niter = 4)` under seed 42: exact when `q` covers the matrix's
    /// smaller side, else randomised.
    private static func svd(_ matrix: Float64Matrix, q: Int) throws -> Float64SVD {
        if q >= min(matrix.rows, matrix.cols) { return try Linalg.svd(matrix) }
        var generator = RandomGenerator(seed: 42)
        let approximate = try Linalg.lowRankSVD(matrix.tensor, q: q, niter: 4, generator: &generator)
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
