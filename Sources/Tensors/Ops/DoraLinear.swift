extension Tensor {
    /// DoRA's whole output for a layer with no bias and no dropout, `s ⊙ (x Wᵀ + scaling · h Bᵀ)`
    /// with `h = A x` (`[..., r]`), `b` `[out, r]` and `s` `[out]` (magnitude over the detached weight
    /// norm), computed as the layer's own two GEMMs with `s` folded into their weights:
    /// `y = x (s ⊙ W)ᵀ + h (scaling · s ⊙ B)ᵀ`. The frozen weight `W` is in `layout`.
    ///
    /// Folding `s` into the weights leaves no `[..., out]` pass in the forward, and in the backward
    /// none is written: `dx = g (s ⊙ W)`, `dh = g (scaling · s ⊙ B)` and `dB = scaling · s ⊙ (gᵀ h)`
    /// are the GEMMs LoRA makes anyway, and `ds = Σ_rows g ⊙ y / s` reads the output and its gradient
    /// once. The scaled weight is kept for the backward, where the composed form keeps an output-sized
    /// base result. Every `s` must be
    /// nonzero (the output carries no trace of the rows it zeroes) and `W` must not train; callers
    /// use `doraOutput` otherwise.
    public static func doraLinear(_ x: Tensor, weight: Tensor, layout: WeightLayout, h: Tensor, b: Tensor, s: Tensor,
                                  scaling: Float) throws -> Tensor {
        let (outFeatures, inFeatures) = layout == .outIn ? (weight.shape[0], weight.shape[1]) : (weight.shape[1], weight.shape[0])
        let r = b.shape.last ?? 0
        guard weight.rank == 2, b.rank == 2, b.shape[0] == outFeatures, s.shape == [outFeatures], x.rank >= 1, x.shape.last == inFeatures,
              h.shape == Array(x.shape.dropLast()) + [r] else {
            throw TensorError.shapeMismatch(op: "doraLinear", shapes: [x.shape, weight.shape, h.shape, b.shape, s.shape],
                                            reason: "expected x [..., in], a weight [out, in] (or [in, out]), h [..., r], b [out, r] and s [out]")
        }
        let rows = x.count / Swift.max(inFeatures, 1)
        let base = LinearProduct(rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, layout: layout)
        let update = LinearProduct(rows: rows, inFeatures: r, outFeatures: outFeatures, layout: .outIn)
        // y = x (s ⊙ W)ᵀ, then y += h (scaling · s ⊙ B)ᵀ in the same storage.
        let (scaledWeight, scaledB) = (weight.scaledOutputs(by: s, layout: layout), b.scaledOutputs(by: s, layout: .outIn, times: scaling))
        scaledB.requiresGrad = b.requiresGrad  // so that its pullback makes B's gradient (this tensor is on no tape)
        let y = x.withUnsafeBufferPointer { px in h.withUnsafeBufferPointer { ph in
            Tensor.make(shape: Array(x.shape.dropLast()) + [outFeatures]) { py in
                scaledWeight.withUnsafeBufferPointer { w in
                    Kernels.gemm(transposeB: layout == .outIn, m: rows, n: outFeatures, k: inFeatures, a: px.baseAddress!, b: w.baseAddress!,
                                 c: py.baseAddress!)
                }
                scaledB.withUnsafeBufferPointer { pb in
                    Kernels.gemm(transposeB: true, m: rows, n: outFeatures, k: r, a: ph.baseAddress!, b: pb.baseAddress!, beta: 1, c: py.baseAddress!)
                }
            }
        } }
        return record(y, op: "dora_linear", inputs: [x, h, b, s]) { g, inputSum in
            let dx = base.pullback(g, input: x, weight: scaledWeight, bias: nil, addingInputGradientTo: inputSum)[0]
            let lora = update.pullback(g, input: h, weight: scaledB, bias: nil)
            let db = lora[1].map { $0.scaledOutputs(by: s, layout: .outIn, times: scaling) }
            let ds = s.requiresGrad ? Kernels.columnDots(g, y, rows: rows, columns: outFeatures, dividedBy: s) : nil
            return [dx, lora[0], db, ds]
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
    /// `Σ_rows a ⊙ b / s` for row-major `rows x columns` tensors `a` and `b` and `s` `[columns]`: the
    /// dot product of each column pair, divided by that column's `s`. Column blocks go to the cores,
    /// so each sums entries of its own, row by row, sixteen lanes at a time.
    static func columnDots(_ a: Tensor, _ b: Tensor, rows: Int, columns: Int, dividedBy s: Tensor) -> Tensor {
        let out = Tensor.zeros([columns])
        out.withUnsafeMutableBufferPointer { po in a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in s.withUnsafeBufferPointer { ps in
            let (o, a, b, s) = (po.baseAddress!, pa.baseAddress!, pb.baseAddress!, ps.baseAddress!)
            func block(_ block: Range<Int>) {
                for row in 0 ..< rows {
                    var j = block.lowerBound
                    while j < block.upperBound {
                        let (n, at) = (Swift.min(16, block.upperBound - j), row * columns + j)
                        storeLanes(loadLanes(o + j, n) + loadLanes(a + at, n) * loadLanes(b + at, n), o + j, n)
                        j += 16
                    }
                }
                var j = block.lowerBound
                while j < block.upperBound {
                    let n = Swift.min(16, block.upperBound - j)
                    storeLanes(loadLanes(o + j, n) / loadLanes(s + j, n), o + j, n)
                    j += 16
                }
            }
            if rows * columns < Parallel.minimumWork { block(0 ..< columns) } else { Parallel.forBlocks(of: columns, alignedTo: 16, block) }
        } } } }
        return out
    }
}
