extension Tensor {
    /// DoRA's output in one pass: `result + (s − 1) ⊙ base + scaling · s ⊙ lora`, with `s` `[out]`
    /// (magnitude over weight norm) broadcast over the rows of the `[..., out]` tensors (PEFT's
    /// `DoraLinearLayer.forward` added to the base layer's result). When `base` is `result` itself
    /// (no dropout, no bias) it is `s ⊙ (result + scaling · lora)`. A nil `lora` counts as zero: the
    /// caller has already added `scaling · lora` into `result` in place (LoRA's fused `addLinear`),
    /// so with `base` the result itself the output is `s ⊙ result` and no `[..., out]` update
    /// tensor is made.
    ///
    /// The backward pass is one pass too: `g` to `result`, `(s − 1) ⊙ g` to `base` (`s ⊙ g` to
    /// `result` when they are one tensor), `scaling · s ⊙ g` to `lora`, and
    /// `Σ_rows g ⊙ (base + scaling · lora)` to `s`, instead of the five broadcast products, sums and
    /// their reductions of the composed form.
    public static func doraOutput(result: Tensor, base: Tensor, lora: Tensor?, s: Tensor, scaling: Float) throws -> Tensor {
        let out = result.shape.last ?? 0
        guard base.shape == result.shape, lora.map({ $0.shape == result.shape }) ?? true, s.shape == [out] else {
            throw TensorError.shapeMismatch(op: "doraOutput", shapes: [result.shape, base.shape, lora?.shape ?? [], s.shape],
                                            reason: "result, base and lora must share one shape [..., out] and s must be [out]")
        }
        let shared = base === result
        let rows = out == 0 ? 0 : result.count / out
        let y = result.withUnsafeBufferPointer { pr in base.withUnsafeBufferPointer { pb in lora.withOptionalPointer { l0 in s.withUnsafeBufferPointer { ps in
            Tensor.make(shape: result.shape) { py in
                let (r0, b0, s0, y0) = (pr.baseAddress!, pb.baseAddress!, ps.baseAddress!, py.baseAddress!)
                Parallel.forEachChunk(rows, costPerItem: out) { range in
                    for row in range {
                        let (r, b, y) = (r0 + row * out, b0 + row * out, y0 + row * out)
                        if let l = l0.map({ $0 + row * out }) {
                            for j in 0 ..< out { y[j] = r[j] + (s0[j] - 1) * b[j] + scaling * s0[j] * l[j] }
                        } else {
                            for j in 0 ..< out { y[j] = r[j] + (s0[j] - 1) * b[j] }
                        }
                    }
                }
            }
        } } } }
        let inputs = [result] + (shared ? [] : [base]) + (lora.map { [$0] } ?? []) + [s]
        return record(y, op: "dora_output", inputs: inputs) { g in
            // Every entry of the row gradients is written, so they start uninitialised; s's is summed.
            func buffer(_ t: Tensor, _ wanted: Bool) -> Tensor? { wanted ? Tensor.make(shape: t.shape) { _ in } : nil }
            let gradients = [shared && result.requiresGrad ? buffer(result, true) : nil, buffer(base, !shared && base.requiresGrad),
                             lora.flatMap { buffer($0, $0.requiresGrad) }, s.requiresGrad ? Tensor.zeros(s.shape) : nil]
            Kernels.withMutablePointers(gradients[...]) { d in
                let (dr0, db0, dl0, ds0) = (d[0], d[1], d[2], d[3])
                g.withUnsafeBufferPointer { pg in base.withUnsafeBufferPointer { pb in lora.withOptionalPointer { l0 in s.withUnsafeBufferPointer { ps in
                    let (g0, b0, s0) = (pg.baseAddress!, pb.baseAddress!, ps.baseAddress!)
                    // Column blocks, so that each core sums its own entries of the gradient of s; sixteen lanes at a time.
                    func columns(_ columns: Range<Int>) {
                        for row in 0 ..< rows {
                            var j = columns.lowerBound
                            while j < columns.upperBound {
                                let (n, at) = (Swift.min(16, columns.upperBound - j), row * out + j)
                                let gv = Kernels.loadLanes(g0 + at, n), sv = Kernels.loadLanes(s0 + j, n)
                                if let dr0 { Kernels.storeLanes(sv * gv, dr0 + at, n) }
                                if let db0 { Kernels.storeLanes((sv - 1) * gv, db0 + at, n) }
                                if let dl0 { Kernels.storeLanes(scaling * sv * gv, dl0 + at, n) }
                                if let ds0 {
                                    var sum = Kernels.loadLanes(b0 + at, n)
                                    if let l0 { sum += scaling * Kernels.loadLanes(l0 + at, n) }
                                    Kernels.storeLanes(Kernels.loadLanes(ds0 + j, n) + gv * sum, ds0 + j, n)
                                }
                                j += 16
                            }
                        }
                    }
                    if rows * out < Parallel.minimumWork { columns(0 ..< out) } else { Parallel.forBlocks(of: out, alignedTo: 16, columns) }
                } } } }
            }
            // Without a shared base, the result's gradient is the output's itself.
            let resultGradient = shared ? gradients[0] : result.requiresGrad ? g : nil
            return [resultGradient] + (shared ? [] : [gradients[1]]) + (lora == nil ? [] : [gradients[2]]) + [gradients[3]]
        }
    }
}

extension Optional where Wrapped == Tensor {
    /// `body` with a pointer to the tensor's elements, or nil when there is no tensor.
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let tensor = self else { return body(nil) }
        return tensor.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

extension Kernels {
    /// `body` with a mutable pointer to each tensor's elements (nil for a nil tensor), in order.
    static func withMutablePointers(_ tensors: ArraySlice<Tensor?>, collected: [UnsafeMutablePointer<Float>?] = [],
                                    _ body: ([UnsafeMutablePointer<Float>?]) -> Void) {
        guard let first = tensors.first else { return body(collected) }
        guard let tensor = first else { return withMutablePointers(tensors.dropFirst(), collected: collected + [nil], body) }
        tensor.withUnsafeMutableBufferPointer { withMutablePointers(tensors.dropFirst(), collected: collected + [$0.baseAddress!], body) }
    }
}

extension Tensor {
    /// DoRA's weight norm `‖W + scaling · B A‖` over each output row, `[out]`, for a base weight `W`
    /// in `layout`, `a` `[r, in]` and `b` `[out, r]`, without forming the `[out, in]` sum: each block
    /// of 16 output rows (columns of an `[in, out]` weight) is one GEMM into a buffer that stays in
    /// cache, where the base weight's entries are added and the squares summed; the blocks are spread
    /// over the cores. Not recorded: PEFT detaches the norm (`weight_norm.detach()`).
    public static func doraWeightNorm(weight: Tensor, layout: WeightLayout, a: Tensor, b: Tensor, scaling: Float) throws -> Tensor {
        let (outFeatures, inFeatures) = layout == .outIn ? (weight.shape[0], weight.shape[1]) : (weight.shape[1], weight.shape[0])
        guard weight.rank == 2, a.rank == 2, b.rank == 2, a.shape[1] == inFeatures, b.shape == [outFeatures, a.shape[0]] else {
            throw TensorError.shapeMismatch(op: "doraWeightNorm", shapes: [weight.shape, a.shape, b.shape],
                                            reason: "expected a weight [out, in] (or [in, out]), a [r, in] and b [out, r]")
        }
        let (r, block) = (a.shape[0], 16)
        // Recorded nowhere, so a profile charges the norm to a row of its own rather than to the next operation.
        defer { OpProfile.current?.mark("dora_weight_norm") }
        return weight.withUnsafeBufferPointer { pw in a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            Tensor.make(shape: [outFeatures]) { norms in
                let (w, a, b, norms) = (pw.baseAddress!, pa.baseAddress!, pb.baseAddress!, norms.baseAddress!)
                Parallel.forEachChunk((outFeatures + block - 1) / block, costPerItem: block * inFeatures * Swift.max(r, 1)) { blocks in
                    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: block * inFeatures)
                    defer { buffer.deallocate() }
                    for blockIndex in blocks {
                        let first = blockIndex * block, rows = Swift.min(block, outFeatures - first)
                        if layout == .outIn {
                            // buffer [rows, in] = scaling · b[first ..< first + rows] · a
                            Kernels.gemm(m: rows, n: inFeatures, k: r, alpha: scaling, a: b + first * r, lda: r, b: a, ldb: inFeatures,
                                         c: buffer, ldc: inFeatures, serial: true)
                            for row in 0 ..< rows {
                                norms[first + row] = Kernels.sumOfSquaredSums(buffer + row * inFeatures, w + (first + row) * inFeatures, inFeatures).squareRoot()
                            }
                        } else {
                            // buffer [in, rows] = scaling · aᵀ · b[first ..< first + rows]ᵀ, beside the weight's columns
                            Kernels.gemm(transposeA: true, transposeB: true, m: inFeatures, n: rows, k: r, alpha: scaling, a: a, lda: inFeatures,
                                         b: b + first * r, ldb: r, c: buffer, ldc: rows, serial: true)
                            var sums = SIMD16<Float>()
                            for i in 0 ..< inFeatures {
                                let v = Kernels.loadLanes(buffer + i * rows, rows) + Kernels.loadLanes(w + i * outFeatures + first, rows)
                                sums += v * v
                            }
                            for row in 0 ..< rows { norms[first + row] = sums[row].squareRoot() }
                        }
                    }
                }
            }
        } } }
    }
}

extension Kernels {
    /// `Σ (x[i] + y[i])²` over `count` elements, sixteen lanes at a time.
    static func sumOfSquaredSums(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int) -> Float {
        var sums = SIMD16<Float>()
        var i = 0
        while i < count {
            let n = Swift.min(16, count - i)
            let v = loadLanes(x + i, n) + loadLanes(y + i, n)
            sums += v * v
            i += 16
        }
        return sums.sum()
    }
}
