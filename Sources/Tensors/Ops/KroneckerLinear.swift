extension Tensor {
    /// `sum + scale · input · (w1 ⊗ w2)ᵀ` without building the Kronecker product (LoKr's update),
    /// stored as the new `sum`. With `w1 [p, m]`, `w2 [q, n]` and each input row read as an
    /// `[m, n]` matrix `X`, the row's update is `vec(w1 · X · w2ᵀ)`: both products are GEMMs over
    /// all rows at once (`KroneckerProduct`), `2·rows·m·q·(n + p)` multiply-adds instead of the
    /// `2·rows·p·q·m·n` of multiplying by the materialised `[p·q, m·n]` matrix. Gradients reach
    /// the input, `w1` and `w2`.
    public static func addKroneckerLinear(_ input: Tensor, _ w1: Tensor, _ w2: Tensor, scale: Float, to sum: inout Tensor) throws {
        let product = try KroneckerProduct(checking: "addKroneckerLinear", result: ("sum", sum), input: input, w1, w2, scale: scale)
        let target = isKnownUniquelyReferenced(&sum) && sum.ownsAllStorage ? sum : sum.copy()
        input.withUnsafeBufferPointer { x in
            w1.withUnsafeBufferPointer { a in
                w2.withUnsafeBufferPointer { b in
                    target.withUnsafeMutableBufferPointer { y in product.forward(x.baseAddress!, a.baseAddress!, b.baseAddress!, adding: y.baseAddress!) }
                }
            }
        }
        let addend = sum
        sum = Tensor.record(Tensor(shape: target.shape, storage: target.storage, offset: 0), op: "add_kronecker_linear",
                            inputs: [input, w1, w2, addend]) { g, inputSum in
            product.pullback(g, input: input, w1: w1, w2: w2, inputGradient: input.requiresGrad, addingInputGradientTo: inputSum) + [g]
        }
    }

    /// `output` itself, through which the gradients of `w1` and `w2` are computed factor by factor
    /// when `output` is `input · (W + scale · w1 ⊗ w2)ᵀ` with the Kronecker product's values folded
    /// into the weight as constants (LoKr over a frozen base: the product and the input's gradient
    /// are the folded weight's, and this supplies what the constant lost). The pullback passes the
    /// gradient on to `output` and gives `w1` and `w2` theirs from `input` and the gradient, as
    /// `addKroneckerLinear`'s does, without the `[p·q, m·n]` gradient of ΔW.
    public static func kroneckerFactorGradients(of output: Tensor, input: Tensor, _ w1: Tensor, _ w2: Tensor, scale: Float) throws -> Tensor {
        let product = try KroneckerProduct(checking: "kroneckerFactorGradients", result: ("output", output), input: input, w1, w2, scale: scale)
        return Tensor.record(Tensor(shape: output.shape, storage: output.storage, offset: output.offset), op: "kronecker_factor_gradients",
                             inputs: [output, w1, w2]) { g in
            [g as Tensor?] + product.pullback(g, input: input, w1: w1, w2: w2, inputGradient: false, addingInputGradientTo: nil).dropFirst()
        }
    }
}

/// The GEMMs of `y += scale · x (w1 ⊗ w2)ᵀ` over `rows` input rows, with `w1 [p, m]` and `w2 [q, n]`
/// (`x` rows of `m·n`, `y` rows of `p·q`). Input column `j·n + l` pairs with `w1[:, j]` and
/// `w2[:, l]`, output column `i·q + k` with `w1[i, :]` and `w2[k, :]`, as `torch.kron` lays them out.
///
/// The `n`-side product is one GEMM per `j` on the strided columns `x[:, j, :]`, written as
/// `T [m, rows·q]` (`T[j, r, k] = Σ_l x[r, j, l] w2[k, l]`), so that the `m`-side product is a
/// single GEMM `w1 · T` over every row; its `[p, rows·q]` result is added into `y`'s layout. The
/// backward pass uses the same two layouts the other way round. The per-`j` GEMMs are handed out
/// whole to the cores (one parallel loop, each GEMM on one thread) rather than each split in two.
struct KroneckerProduct {
    let rows: Int, p: Int, m: Int, q: Int, n: Int
    let scale: Float
    var inWidth: Int { m * n }
    var outWidth: Int { p * q }

    /// `body(j)` for every `j < m`, the `j`s spread over the cores.
    private func forEachJ(_ body: (Int) -> Void) {
        Parallel.forEachChunk(m, costPerItem: rows * q * Swift.max(n, p)) { js in for j in js { body(j) } }
    }

    /// `T[j] = x[:, j, :] · w2ᵀ` for every `j`, into `t` `[m, rows, q]`.
    private func rightProducts(_ x: UnsafePointer<Float>, _ w2: UnsafePointer<Float>, into t: UnsafeMutablePointer<Float>) {
        forEachJ { j in
            Kernels.gemm(transposeB: true, m: rows, n: q, k: n, a: x + j * n, lda: inWidth, b: w2, ldb: n, c: t + j * rows * q, ldc: q, serial: true)
        }
    }

    func forward(_ x: UnsafePointer<Float>, _ w1: UnsafePointer<Float>, _ w2: UnsafePointer<Float>, adding y: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        let t = UnsafeMutablePointer<Float>.allocate(capacity: m * rows * q), c = UnsafeMutablePointer<Float>.allocate(capacity: p * rows * q)
        defer { t.deallocate(); c.deallocate() }
        rightProducts(x, w2, into: t)
        Kernels.gemm(m: p, n: rows * q, k: m, alpha: scale, a: w1, b: t, c: c)
        // y[r, i, k] += c[i, r, k]
        let (rows, p, q, outWidth) = (rows, p, q, outWidth)
        Parallel.forEachChunk(rows, costPerItem: outWidth) { range in
            for r in range { for i in 0 ..< p {
                let source = c + (i * rows + r) * q, target = y + r * outWidth + i * q
                for k in 0 ..< q { target[k] += source[k] }
            } }
        }
    }

    /// The gradients of the input (when `inputGradient`), `w1` and `w2` from the output gradient `g`
    /// (nil for an operand that needs none); the input's is added into `inputSum` when given:
    /// `S = scale · w1ᵀ G` (`G` the gradient in `[p, rows, q]`), `dx[:, j, :] = S[j] · w2`,
    /// `dw2 = Σ_j S[j]ᵀ x[:, j, :]`, `dw1 = scale · G Tᵀ` with `T` recomputed as in the forward.
    func pullback(_ g: Tensor, input: Tensor, w1: Tensor, w2: Tensor, inputGradient: Bool, addingInputGradientTo inputSum: Tensor?) -> [Tensor?] {
        guard rows > 0 else { return [nil, nil, nil] }
        let (rows, p, m, q, n, inWidth, outWidth) = (rows, p, m, q, n, inWidth, outWidth)
        let gt = UnsafeMutablePointer<Float>.allocate(capacity: p * rows * q)
        defer { gt.deallocate() }
        g.withUnsafeBufferPointer { pg in
            let g = pg.baseAddress!
            Parallel.forEachChunk(rows, costPerItem: outWidth) { range in
                for r in range { for i in 0 ..< p { (gt + (i * rows + r) * q).update(from: g + r * outWidth + i * q, count: q) } }
            }
        }
        var dx: Tensor?, dw1: Tensor?, dw2: Tensor?
        input.withUnsafeBufferPointer { px in w1.withUnsafeBufferPointer { pa in w2.withUnsafeBufferPointer { pb in
            let (x, a, b) = (px.baseAddress!, pa.baseAddress!, pb.baseAddress!)
            if inputGradient || w2.requiresGrad {
                let s = UnsafeMutablePointer<Float>.allocate(capacity: m * rows * q)
                // One [q, n] partial sum of dw2 per j, added up after the parallel loop.
                let partials = UnsafeMutablePointer<Float>.allocate(capacity: m * q * n)
                defer { s.deallocate(); partials.deallocate() }
                Kernels.gemm(transposeA: true, m: m, n: rows * q, k: p, alpha: scale, a: a, b: gt, c: s)
                let wantsW2 = w2.requiresGrad
                func products(addingInputGradientTo d: UnsafeMutablePointer<Float>?) {
                    forEachJ { j in
                        if let d {
                            Kernels.gemm(m: rows, n: n, k: q, a: s + j * rows * q, lda: q, b: b, ldb: n, beta: 1, c: d + j * n, ldc: inWidth, serial: true)
                        }
                        if wantsW2 {
                            Kernels.gemm(transposeA: true, m: q, n: n, k: rows, a: s + j * rows * q, lda: q, b: x + j * n, ldb: inWidth,
                                         c: partials + j * q * n, ldc: n, serial: true)
                        }
                    }
                }
                if inputGradient {
                    let target = inputSum ?? Tensor.zeros(input.shape)
                    target.withUnsafeMutableBufferPointer { products(addingInputGradientTo: $0.baseAddress!) }
                    dx = target
                } else {
                    products(addingInputGradientTo: nil)
                }
                if w2.requiresGrad {
                    dw2 = Tensor.make(shape: w2.shape) { d in
                        d.update(repeating: 0)
                        for j in 0 ..< m { for e in 0 ..< q * n { d[e] += partials[j * q * n + e] } }
                    }
                }
            }
            if w1.requiresGrad {
                let t = UnsafeMutablePointer<Float>.allocate(capacity: m * rows * q)
                defer { t.deallocate() }
                rightProducts(x, b, into: t)
                dw1 = Tensor.make(shape: w1.shape) { d in
                    Kernels.gemm(transposeB: true, m: p, n: m, k: rows * q, alpha: scale, a: gt, b: t, c: d.baseAddress!)
                }
            }
        } } }
        return [dx, dw1, dw2]
    }
}

extension KroneckerProduct {
    /// The product of `input · (w1 ⊗ w2)ᵀ` for `op`, after checking that `result` (named in the
    /// error), `input`, `w1` and `w2` have the shapes it needs.
    init(checking op: String, result: (name: String, tensor: Tensor), input: Tensor, _ w1: Tensor, _ w2: Tensor, scale: Float) throws {
        guard w1.rank == 2, w2.rank == 2, input.rank >= 1, input.shape.last == w1.shape[1] * w2.shape[1],
              result.tensor.shape == Array(input.shape.dropLast()) + [w1.shape[0] * w2.shape[0]] else {
            throw TensorError.shapeMismatch(op: op, shapes: [result.tensor.shape, input.shape, w1.shape, w2.shape],
                                            reason: "expected \(result.name) [..., p·q], input [..., m·n], w1 [p, m] and w2 [q, n]")
        }
        self.init(rows: input.count / Swift.max(input.shape.last!, 1), p: w1.shape[0], m: w1.shape[1],
                  q: w2.shape[0], n: w2.shape[1], scale: scale)
    }
}
