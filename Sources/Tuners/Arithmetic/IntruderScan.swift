import Tensors

/// PEFT's test for intruder dimensions (`reduce_intruder_dimension`), shared by the reduction and
/// the inspector: the first `topK` left singular vectors of `W + ΔW`, each with its largest
/// `|cosine|` against any left singular vector of `W`; those below `epsilon` are intruders.
public struct IntruderScan: Sendable, Equatable {
    public let topK: Int
    public let epsilon: Float
    /// One per scanned singular vector of `W + ΔW`, in the order of its singular values.
    public let cosines: [Float]
    /// The indices (into `cosines`) below `epsilon`.
    public let intruders: [Int]

    /// The scan of `merged = W + ΔW` against `weight = W`, both `[out, in]`; also returns the SVD of
    /// `merged`, which the reduction reuses.
    static func scan(weight: Tensor, merged: Tensor, topK: Int, epsilon: Float) throws -> (scan: IntruderScan, mergedSVD: SingularValueDecomposition) {
        let base = try Linalg.svd(weight), mergedSVD = try Linalg.svd(merged)
        let similarity = try mergedSVD.u.matmul(base.u, transposeSelf: true).scalars
        let (k, kBase) = (mergedSVD.s.count, base.u.shape[1])
        let cosines = (0 ..< min(max(topK, 0), k)).map { i in (0 ..< kBase).map { abs(similarity[i * kBase + $0]) }.max() ?? 0 }
        let scan = IntruderScan(topK: topK, epsilon: epsilon, cosines: cosines, intruders: cosines.indices.filter { cosines[$0] < epsilon })
        return (scan, mergedSVD)
    }
}
