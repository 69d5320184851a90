extension Tensor {
    /// DoRA's whole output for a layer with no dropout, `s ⊙ (x Wᵀ + scaling · h Bᵀ) + bias` with
    /// `h = A x` (`[..., r]`), `b` `[out, r]`, `s` `[out]` (magnitude over the detached weight norm)
    /// and the layer's optional bias `[out]`, computed as the layer's own two GEMMs with `s` folded
    /// into their weights: `y = bias + x (s ⊙ W)ᵀ + h (scaling · s ⊙ B)ᵀ`. The frozen weight `W` is in
    /// `layout`. (PEFT adds `(s − 1) ⊙ (base(x) − bias) + scaling · s ⊙ lora` to `base(x)`: the same.)
    ///
    /// Folding `s` into the weights leaves no `[..., out]` pass in the forward, and in the backward
    /// none is written: `dx = g (s ⊙ W)`, `dh = g (scaling · s ⊙ B)` and `dB = scaling · s ⊙ (gᵀ h)`
    /// are the GEMMs LoRA makes anyway, and `ds = Σ_rows g ⊙ (y − bias) / s` (with the bias's
    /// gradient `Σ_rows g`) reads the output and its gradient once. The scaled weight is kept for the
    /// backward, where the composed form keeps an output-sized base result. Every `s` must be nonzero
    /// (the output carries no trace of the rows it zeroes) and `W` must not train; callers use
    /// `doraOutput` otherwise.
    public static func doraLinear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, layout: WeightLayout, h: Tensor, b: Tensor, s: Tensor,
                                  scaling: Float) throws -> Tensor {
        let (outFeatures, inFeatures) = layout == .outIn ? (weight.shape[0], weight.shape[1]) : (weight.shape[1], weight.shape[0])
        let r = b.shape.last ?? 0
        guard weight.rank == 2, b.rank == 2, b.shape[0] == outFeatures, s.shape == [outFeatures], bias.map({ $0.shape == [outFeatures] }) ?? true,
              x.rank >= 1, x.shape.last == inFeatures, h.shape == Array(x.shape.dropLast()) + [r] else {
            throw TensorError.shapeMismatch(op: "doraLinear", shapes: [x.shape, weight.shape, h.shape, b.shape, s.shape, bias?.shape ?? []],
                                            reason: "expected x [..., in], a weight [out, in] (or [in, out]), h [..., r], b [out, r], s [out] and a bias [out]")
        }
        let rows = x.count / Swift.max(inFeatures, 1)
        let base = LinearProduct(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, layout: layout)
        let update = LinearProduct(rows: rows, inFeatures: r, outFeatures: outFeatures, layout: .outIn)
        let (scaledWeight, scaledB) = (weight.scaledOutputs(by: s, layout: layout), b.scaledOutputs(by: s, layout: .outIn, times: scaling))
        scaledB.requiresGrad = b.requiresGrad  // so that its pullback makes B's gradient (this tensor is on no tape)
        // y = bias + x (s ⊙ W)ᵀ, then y += h (scaling · s ⊙ B)ᵀ in the same storage.
        let y = x.withUnsafeBufferPointer { px in h.withUnsafeBufferPointer { ph in
            Tensor.make(shape: Array(x.shape.dropLast()) + [outFeatures]) { py in
                if let bias {
                    bias.withUnsafeBufferPointer { pb in
                        for row in 0 ..< rows { (py.baseAddress! + row * outFeatures).update(from: pb.baseAddress!, count: outFeatures) }
                    }
                }
                scaledWeight.withUnsafeBufferPointer { w in
                    Kernels.gemm(transposeB: layout == .outIn, m: rows, n: outFeatures, k: inFeatures, a: px.baseAddress!, b: w.baseAddress!,
                                 beta: bias == nil ? 0 : 1, c: py.baseAddress!)
                }
                scaledB.withUnsafeBufferPointer { pb in
                    Kernels.gemm(transposeB: true, m: rows, n: outFeatures, k: r, a: ph.baseAddress!, b: pb.baseAddress!, beta: 1, c: py.baseAddress!)
                }
            }
        } }
        return record(y, op: "dora_linear", inputs: [x, h, b, s] + (bias.map { [$0] } ?? [])) { g, inputSum in
            let dx = base.pullback(g, input: x, weight: scaledWeight, bias: nil, addingInputGradientTo: inputSum)[0]
            let lora = update.pullback(g, input: h, weight: scaledB, bias: nil)
            let db = lora[1].map { $0.scaledOutputs(by: s, layout: .outIn, times: scaling) }
            let sums = s.requiresGrad || bias?.requiresGrad == true
                ? Kernels.doraGradientSums(g, y, rows: rows, columns: outFeatures, s: s, bias: bias) : nil
            return [dx, lora[0], db, s.requiresGrad ? sums?.s : nil] + (bias.map { $0.requiresGrad ? [sums?.bias] : [nil] } ?? [])
        }
    }

    /// A copy of this matrix with output feature `j` multiplied by `times · s[j]`: row `j` of an
    /// `[out, in]` (`.outIn`) matrix, column `j` of an `[in, out]` one. Not recorded.
    func scaledOutputs(by s: Tensor, layout: WeightLayout, times: Float = 1) -> Tensor {
        let (rows, columns) = (shape[0], shape[1])
        return withUnsafeBufferPointer { pm in s.withUnsafeBufferPointer { ps in
            Tensor.make(shape: shape) { out in
                let (m, s, o) = (pm.baseAddress!, ps.baseAddress!, out.baseAddress!)
                Parallel.forEachChunk(rows, costPerItem: columns) { range in
                    for row in range {
                        let (from, to) = (m + row * columns, o + row * columns)
                        if layout == .outIn {
                            let factor = times * s[row]
                            for j in 0 ..< columns { to[j] = factor * from[j] }
                        } else {
                            for j in 0 ..< columns { to[j] = times * s[j] * from[j] }
                        }
                    }
                }
            }
        } }
    }
}

extension Kernels {
    /// The gradients of DoRA's `s` and of the layer's bias from the output gradient `g` and the
    /// output `y = s ⊙ z + bias`, row-major `rows x columns`: per column, `Σ_rows g ⊙ (y − bias) / s`
    /// (that is, `Σ g ⊙ z`) and `Σ_rows g` (zero without a bias). Column blocks go to the cores, so
    /// each sums entries of its own, row by row, sixteen lanes at a time.
    static func doraGradientSums(_ g: Tensor, _ y: Tensor, rows: Int, columns: Int, s: Tensor, bias: Tensor?) -> (s: Tensor, bias: Tensor) {
        let (dots, sums) = (Tensor.zeros([columns]), Tensor.zeros([columns]))
        dots.withUnsafeMutableBufferPointer { pd in sums.withUnsafeMutableBufferPointer { pu in
            g.withUnsafeBufferPointer { pg in y.withUnsafeBufferPointer { py in s.withUnsafeBufferPointer { ps in bias.withOptionalPointer { bias in
                let (d, u, g, y, s) = (pd.baseAddress!, pu.baseAddress!, pg.baseAddress!, py.baseAddress!, ps.baseAddress!)
                func block(_ block: Range<Int>) {
                    for row in 0 ..< rows {
                        var j = block.lowerBound
                        while j < block.upperBound {
                            let (n, at) = (Swift.min(16, block.upperBound - j), row * columns + j)
                            let gv = loadLanes(g + at, n)
                            storeLanes(loadLanes(d + j, n) + gv * loadLanes(y + at, n), d + j, n)
                            if bias != nil { storeLanes(loadLanes(u + j, n) + gv, u + j, n) }
                            j += 16
                        }
                    }
                    // Σ g ⊙ (y − bias) = Σ g ⊙ y − bias ⊙ Σ g
                    for j in block { d[j] = (d[j] - (bias?[j] ?? 0) * u[j]) / s[j] }
                }
                if rows * columns < Parallel.minimumWork { block(0 ..< columns) } else { Parallel.forBlocks(of: columns, alignedTo: 16, block) }
            } } } }
        } }
        return (dots, sums)
    }
}
