extension Tensor {
    /// DoRA's output in one pass: `result + (s − 1) ⊙ base + scaling · s ⊙ lora`, with `s` `[out]`
    /// (magnitude over weight norm) broadcast over the rows of the `[..., out]` tensors (PEFT's
    /// `DoraLinearLayer.forward` added to the base layer's result). When `base` is `result` itself
    /// (no dropout, no bias) it is `s ⊙ (result + scaling · lora)`.
    ///
    /// The backward pass is one pass too: `g` to `result`, `(s − 1) ⊙ g` to `base` (`s ⊙ g` to
    /// `result` when they are one tensor), `scaling · s ⊙ g` to `lora`, and
    /// `Σ_rows g ⊙ (base + scaling · lora)` to `s`, instead of the five broadcast products, sums and
    /// their reductions of the composed form.
    public static func doraOutput(result: Tensor, base: Tensor, lora: Tensor, s: Tensor, scaling: Float) throws -> Tensor {
        let out = result.shape.last ?? 0
        guard base.shape == result.shape, lora.shape == result.shape, s.shape == [out] else {
            throw TensorError.shapeMismatch(op: "doraOutput", shapes: [result.shape, base.shape, lora.shape, s.shape],
                                            reason: "result, base and lora must share one shape [..., out] and s must be [out]")
        }
        let shared = base === result
        let rows = out == 0 ? 0 : result.count / out
        let y = result.withUnsafeBufferPointer { pr in base.withUnsafeBufferPointer { pb in lora.withUnsafeBufferPointer { pl in s.withUnsafeBufferPointer { ps in
            Tensor.make(shape: result.shape) { py in
                let (r0, b0, l0, s0, y0) = (pr.baseAddress!, pb.baseAddress!, pl.baseAddress!, ps.baseAddress!, py.baseAddress!)
                Parallel.forEachChunk(rows, costPerItem: out) { range in
                    for row in range {
                        let (r, b, l, y) = (r0 + row * out, b0 + row * out, l0 + row * out, y0 + row * out)
                        for j in 0 ..< out { y[j] = r[j] + (s0[j] - 1) * b[j] + scaling * s0[j] * l[j] }
                    }
                }
            }
        } } } }
        let inputs = shared ? [result, lora, s] : [result, base, lora, s]
        return record(y, op: "dora_output", inputs: inputs) { g in
            let gradients = [result.requiresGrad ? Tensor.zeros(result.shape) : nil, !shared && base.requiresGrad ? Tensor.zeros(base.shape) : nil,
                             lora.requiresGrad ? Tensor.zeros(lora.shape) : nil, s.requiresGrad ? Tensor.zeros(s.shape) : nil]
            Kernels.withMutablePointers(gradients[...]) { d in
                let (dr0, db0, dl0, ds0) = (d[0], d[1], d[2], d[3])
                g.withUnsafeBufferPointer { pg in base.withUnsafeBufferPointer { pb in lora.withUnsafeBufferPointer { pl in s.withUnsafeBufferPointer { ps in
                    let (g0, b0, l0, s0) = (pg.baseAddress!, pb.baseAddress!, pl.baseAddress!, ps.baseAddress!)
                    // Column blocks, so that each core sums its own entries of the gradient of s.
                    func columns(_ columns: Range<Int>) {
                        for row in 0 ..< rows {
                            let (g, b, l) = (g0 + row * out, b0 + row * out, l0 + row * out)
                            if let d = dr0?.advanced(by: row * out) {
                                if shared { for j in columns { d[j] = s0[j] * g[j] } } else { for j in columns { d[j] = g[j] } }
                            }
                            if let d = db0?.advanced(by: row * out) { for j in columns { d[j] = (s0[j] - 1) * g[j] } }
                            if let d = dl0?.advanced(by: row * out) { for j in columns { d[j] = scaling * s0[j] * g[j] } }
                            if let ds0 { for j in columns { ds0[j] += g[j] * (b[j] + scaling * l[j]) } }
                        }
                    }
                    if rows * out < Parallel.minimumWork { columns(0 ..< out) } else { Parallel.forBlocks(of: out, alignedTo: 16, columns) }
                } } } }
            }
            return shared ? [gradients[0], gradients[2], gradients[3]] : gradients
        }
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
