extension Tensor {
    /// The Kronecker product of two matrices: block `(i, j)` of the result is `a[i, j] · b`
    /// (`torch.kron`; LoKr's `W = w1 ⊗ w2`).
    public static func kron(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.rank == 2, b.rank == 2 else {
            throw TensorError.shapeMismatch(op: "kron", shapes: [a.shape, b.shape], reason: "both operands must be matrices")
        }
        let (m, n, p, q) = (a.shape[0], a.shape[1], b.shape[0], b.shape[1])
        let out = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                Tensor.make(shape: [m * p, n * q]) { dst in
                    for i in 0 ..< m { for k in 0 ..< p { for j in 0 ..< n {
                        let s = pa[i * n + j], row = (i * p + k) * n * q + j * q
                        for l in 0 ..< q { dst[row + l] = s * pb[k * q + l] }
                    } } }
                }
            }
        }
        return record(out, op: "kron", inputs: [a, b]) { g in
            g.withUnsafeBufferPointer { pg in
                let da: Tensor? = !a.requiresGrad ? nil : b.withUnsafeBufferPointer { pb in
                    Tensor.make(shape: [m, n]) { d in
                        for i in 0 ..< m { for j in 0 ..< n {
                            var s: Float = 0
                            for k in 0 ..< p { for l in 0 ..< q { s += pg[(i * p + k) * n * q + j * q + l] * pb[k * q + l] } }
                            d[i * n + j] = s
                        } }
                    }
                }
                let db: Tensor? = !b.requiresGrad ? nil : a.withUnsafeBufferPointer { pa in
                    Tensor.make(shape: [p, q]) { d in
                        for k in 0 ..< p { for l in 0 ..< q {
                            var s: Float = 0
                            for i in 0 ..< m { for j in 0 ..< n { s += pg[(i * p + k) * n * q + j * q + l] * pa[i * n + j] } }
                            d[k * q + l] = s
                        } }
                    }
                }
                return [da, db]
            }
        }
    }
}

extension Tensor {
    /// `(a1 · b1) ⊙ (a2 · b2) · scale` (LoHa's ΔW) as one operation: two GEMMs and a fused
    /// Hadamard-and-scale pass, the two products kept for the backward pass, whose one fused pass
    /// gives `dP1 = scale · g ⊙ P2` and `dP2 = scale · g ⊙ P1` before the factors' GEMMs.
    public static func hadamardOfProducts(_ a1: Tensor, _ b1: Tensor, _ a2: Tensor, _ b2: Tensor, scale: Float) throws -> Tensor {
        let first = try MatMulShape(a1.shape, b1.shape, transposeA: false, transposeB: false)
        let second = try MatMulShape(a2.shape, b2.shape, transposeA: false, transposeB: false)
        guard a1.rank == 2, b1.rank == 2, first.outShape == second.outShape else {
            throw TensorError.shapeMismatch(op: "hadamardOfProducts", shapes: [a1.shape, b1.shape, a2.shape, b2.shape],
                                            reason: "a1 · b1 and a2 · b2 must be matrices of the same shape")
        }
        let p1 = Tensor.zeros(first.outShape), p2 = Tensor.zeros(second.outShape)
        first.forward(a1, b1, into: p1)
        second.forward(a2, b2, into: p2)
        let out = Kernels.scaledProduct(p1, p2, scale)
        return record(out, op: "hadamard_of_products", inputs: [a1, b1, a2, b2]) { g in
            let d1 = a1.requiresGrad || b1.requiresGrad ? Kernels.scaledProduct(g, p2, scale) : nil
            let d2 = a2.requiresGrad || b2.requiresGrad ? Kernels.scaledProduct(g, p1, scale) : nil
            return (d1.map { first.pullback($0, a1, b1) } ?? [nil, nil]) + (d2.map { second.pullback($0, a2, b2) } ?? [nil, nil])
        }
    }
}

extension Kernels {
    /// `x ⊙ y · scale` for two tensors of one element count, sixteen lanes at a time, with `y`'s shape.
    static func scaledProduct(_ x: Tensor, _ y: Tensor, _ scale: Float) -> Tensor {
        precondition(x.count == y.count, "scaledProduct needs equal element counts")
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                Tensor.make(shape: y.shape) { out in
                    let (a, b, o, count) = (px.baseAddress!, py.baseAddress!, out.baseAddress!, px.count)
                    Parallel.forEachChunk((count + 15) / 16, costPerItem: 16) { blocks in
                        for block in blocks {
                            let i = block * 16, n = Swift.min(16, count - i)
                            storeLanes(loadLanes(a + i, n) * loadLanes(b + i, n) * scale, o + i, n)
                        }
                    }
                }
            }
        }
    }
}

extension Tensor {
    /// `out[k, b, j] = lambda[k, b] · basis[k, j] · gamma[b, j]` for `lambda [r, nb]`, `basis [r, n]`
    /// and `gamma [nb, n]`, as `[r·nb, n]` (RandLoRA's scaled bases, `λ ⊙ A ⊙ γ` broadcast): one pass
    /// forward and one backward instead of two broadcast products and their reductions. `basis` gets
    /// no gradient (RandLoRA's bases are frozen); `lambda` and `gamma` do.
    public static func scaledBasisRows(lambda: Tensor, basis: Tensor, gamma: Tensor) throws -> Tensor {
        guard lambda.rank == 2, basis.rank == 2, gamma.rank == 2, lambda.shape[0] == basis.shape[0],
              lambda.shape[1] == gamma.shape[0], basis.shape[1] == gamma.shape[1] else {
            throw TensorError.shapeMismatch(op: "scaledBasisRows", shapes: [lambda.shape, basis.shape, gamma.shape],
                                            reason: "expected lambda [r, nb], basis [r, n] and gamma [nb, n]")
        }
        let (r, nb, n) = (lambda.shape[0], lambda.shape[1], basis.shape[1])
        let out = lambda.withUnsafeBufferPointer { l in basis.withUnsafeBufferPointer { a in gamma.withUnsafeBufferPointer { c in
            Tensor.make(shape: [r * nb, n]) { o in
                for k in 0 ..< r { for b in 0 ..< nb {
                    let scale = l[k * nb + b], row = o.baseAddress! + (k * nb + b) * n, ak = a.baseAddress! + k * n, cb = c.baseAddress! + b * n
                    for j in 0 ..< n { row[j] = scale * ak[j] * cb[j] }
                } }
            }
        } } }
        return record(out, op: "scaled_basis_rows", inputs: [lambda, basis, gamma]) { g in
            let dLambda = lambda.requiresGrad ? Tensor.zeros(lambda.shape) : nil, dGamma = gamma.requiresGrad ? Tensor.zeros(gamma.shape) : nil
            g.withUnsafeBufferPointer { pg in lambda.withUnsafeBufferPointer { l in basis.withUnsafeBufferPointer { a in gamma.withUnsafeBufferPointer { c in
                for k in 0 ..< r { for b in 0 ..< nb {
                    let gRow = pg.baseAddress! + (k * nb + b) * n, ak = a.baseAddress! + k * n, cb = c.baseAddress! + b * n
                    if let dLambda {
                        var sum: Float = 0
                        for j in 0 ..< n { sum += gRow[j] * cb[j] * ak[j] }
                        dLambda.withUnsafeMutableBufferPointer { $0[k * nb + b] = sum }
                    }
                    if let dGamma {
                        let scale = l[k * nb + b]
                        dGamma.withUnsafeMutableBufferPointer { d in
                            let row = d.baseAddress! + b * n
                            for j in 0 ..< n { row[j] += gRow[j] * (scale * ak[j]) }
                        }
                    }
                } }
            } } } }
            return [dLambda, nil, dGamma]
        }
    }
}
