extension Tensor {
    /// For each row of the last dimension, the `k` largest values (ties: lower index first) turned
    /// into softmax weights, and their indices (VB-LoRA's vector-bank mixing). Weights have shape
    /// `[..., k]`; the gradient flows to the picked logits.
    public func topKSoftmax(k: Int) throws -> (weights: Tensor, indices: [Int]) {
        let (weights, indices) = try topKWeights(k: k, op: "topKSoftmax")
        let (fullShape, n, rows) = (shape, shape.last!, weights.count / k)
        let recorded = Tensor.record(weights, op: "topk_softmax", inputs: [self]) { g in
            let grad = Tensor.zeros(fullShape)
            grad.withUnsafeMutableBufferPointer { d in
                g.withUnsafeBufferPointer { pg in
                    weights.withUnsafeBufferPointer { pw in
                        for r in 0 ..< rows {
                            Kernels.softmaxPullback(pw.baseAddress! + r * k, pg.baseAddress! + r * k, k) { slot, value in
                                d[r * n + indices[r * k + slot]] = value
                            }
                        }
                    }
                }
            }
            return [grad]
        }
        return (recorded, indices)
    }

    /// PEFT's VB-LoRA `_get_low_rank_matrix` as one operation: each row of these logits
    /// `[..., num_vectors]` picks its `k` largest (ties: lower index first), and its output row is
    /// the sum of the picked rows of `bank` `[num_vectors, L]` weighted by the softmax of the picked
    /// logits: `[rows, L]`. Forward and backward are a pass over the picked rows only; the logits'
    /// gradient is the softmax pullback of each picked row's dot product with the output gradient,
    /// and the bank's the weighted output gradient added into the picked rows.
    public func topKMix(bank: Tensor, k: Int) throws -> Tensor {
        guard bank.rank == 2, bank.shape[0] == shape.last else {
            throw TensorError.shapeMismatch(op: "topKMix", shapes: [shape, bank.shape],
                                            reason: "the bank must be a matrix with one row per logit of the last dimension")
        }
        let (weights, indices) = try topKWeights(k: k, op: "topKMix")
        let (logitsShape, n, length, rows) = (shape, shape.last!, bank.shape[1], weights.count / k)
        let out = weights.withUnsafeBufferPointer { w in
            bank.withUnsafeBufferPointer { table in
                Tensor.make(shape: [rows, length]) { dst in
                    for r in 0 ..< rows {
                        let row = dst.baseAddress! + r * length
                        row.update(repeating: 0, count: length)
                        for slot in 0 ..< k {
                            VectorMath.addScaled(table.baseAddress! + indices[r * k + slot] * length, w[r * k + slot], into: row, length)
                        }
                    }
                }
            }
        }
        return Tensor.record(out, op: "topk_mix", inputs: [self, bank]) { g in
            let dLogits = self.requiresGrad ? Tensor.zeros(logitsShape) : nil
            let dBank = bank.requiresGrad ? Tensor.zeros(bank.shape) : nil
            g.withUnsafeBufferPointer { pg in weights.withUnsafeBufferPointer { w in bank.withUnsafeBufferPointer { table in
                var dots = [Float](repeating: 0, count: k)
                for r in 0 ..< rows {
                    let gRow = pg.baseAddress! + r * length
                    if let dLogits {
                        for slot in 0 ..< k { dots[slot] = VectorMath.dot(gRow, table.baseAddress! + indices[r * k + slot] * length, length) }
                        dLogits.withUnsafeMutableBufferPointer { d in
                            dots.withUnsafeBufferPointer { dw in
                                Kernels.softmaxPullback(w.baseAddress! + r * k, dw.baseAddress!, k) { slot, value in
                                    d[r * n + indices[r * k + slot]] = value
                                }
                            }
                        }
                    }
                    dBank?.withUnsafeMutableBufferPointer { d in
                        for slot in 0 ..< k {
                            VectorMath.addScaled(gRow, w[r * k + slot], into: d.baseAddress! + indices[r * k + slot] * length, length)
                        }
                    }
                }
            } } }
            return [dLogits, dBank]
        }
    }

    /// The softmax weights `[..., k]` of each row's `k` largest values, and their indices, unrecorded.
    private func topKWeights(k: Int, op: String) throws -> (weights: Tensor, indices: [Int]) {
        guard rank >= 1, let n = shape.last, k >= 1, k <= n else {
            throw TensorError.invalidArgument(op: op, reason: "k = \(k) must be in 1...\(shape.last ?? 0) for shape \(shape)")
        }
        let rows = count / n
        var indices = [Int](repeating: 0, count: rows * k)
        let weights = withUnsafeBufferPointer { src in
            indices.withUnsafeMutableBufferPointer { picked in
                Tensor.make(shape: Array(shape.dropLast()) + [k]) { w in
                    for r in 0 ..< rows {
                        let (row, slots, values) = (src.baseAddress! + r * n, picked.baseAddress! + r * k, w.baseAddress! + r * k)
                        Kernels.largest(k, of: row, n, indices: slots, values: values)
                        Kernels.softmaxRow(values, values, k)
                    }
                }
            }
        }
        return (weights, indices)
    }
}

extension Kernels {
    /// The `k` largest of `n` values, largest first (ties: lower index first), their indices in
    /// `indices` and values in `values`: one pass that keeps the best `k` so far in order, `O(n·k)`
    /// at worst and about `O(n)` for the few that VB-LoRA picks.
    static func largest(_ k: Int, of x: UnsafePointer<Float>, _ n: Int, indices: UnsafeMutablePointer<Int>, values: UnsafeMutablePointer<Float>) {
        var filled = 0
        for i in 0 ..< n {
            let v = x[i]
            if filled == k, !(v > values[k - 1]) { continue }
            // Insert `v` after the kept values it does not beat, dropping the last one when full.
            var slot = filled == k ? k - 1 : filled
            while slot > 0, v > values[slot - 1] {
                (values[slot], indices[slot]) = (values[slot - 1], indices[slot - 1])
                slot -= 1
            }
            (values[slot], indices[slot]) = (v, i)
            if filled < k { filled += 1 }
        }
    }

    /// The gradient of `softmax` at weights `w` for an output gradient `g` (`k` of each), handed to
    /// `store(slot, w[slot] · (g[slot] − Σ g·w))`.
    @inline(__always)
    static func softmaxPullback(_ w: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ k: Int, _ store: (Int, Float) -> Void) {
        var dot: Float = 0
        for s in 0 ..< k { dot += g[s] * w[s] }
        for s in 0 ..< k { store(s, w[s] * (g[s] - dot)) }
    }
}
