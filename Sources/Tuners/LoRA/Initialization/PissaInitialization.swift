import Tensors

/// PEFT's `pissa_init`: `W = V S Uᵀ` (exact SVD, or torch's `svd_lowrank(W, q=r, niter)` for
/// `pissa_niter_N`; of the exact SVD only the r leading triplets are used, so only they are
/// computed); `S_r = S[:r] / scaling`, `A = diag(√S_r) Uᵀ[:r]`, `B = V[:, :r] diag(√S_r)`,
/// and the base weight becomes `W − scaling · B A`, so the output is unchanged.
enum PissaInitialization {
    static func weights(_ input: LinearInitializationInput, niter: Int?, generator: inout RandomGenerator) throws -> LinearInitialization {
        let weight = try input.weight()
        try LowRankFactors.requireRank(input, method: niter == nil ? "pissa" : "pissa_niter_\(niter!)")
        let r = input.r
        let svd = try niter.map { try Linalg.lowRankSVD(weight, q: r, niter: $0, generator: &generator) } ?? Linalg.leadingSVD(weight, count: r)
        let roots = svd.s.scalars.prefix(r).map { ($0 / Float(input.scaling)).squareRoot() }
        let a = LowRankFactors.scalingRows(try svd.vt.slice(0 ..< r), by: roots)
        let b = LowRankFactors.scalingColumns(LowRankFactors.leadingColumns(svd.u, r), by: roots)
        return LinearInitialization(a: a, b: b, residual: try LowRankFactors.residual(weight, a: a, b: b, scaling: input.scaling))
    }
}
