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

    /// For each row of the last dimension, the `k` largest values (ties: lower index first) turned
    /// into softmax weights, and their indices (VB-LoRA's vector-bank mixing). Weights have shape
    /// `[..., k]`; the gradient flows to the picked logits.
    public func topKSoftmax(k: Int) throws -> (weights: Tensor, indices: [Int]) {
        guard rank >= 1, let n = shape.last, k >= 1, k <= n else {
            throw TensorError.invalidArgument(op: "topKSoftmax", reason: "k = \(k) must be in 1...\(shape.last ?? 0) for shape \(shape)")
        }
        let rows = count / n
        var indices = [Int](repeating: 0, count: rows * k)
        let weights = withUnsafeBufferPointer { src in
            Tensor.make(shape: Array(shape.dropLast()) + [k]) { w in
                for r in 0 ..< rows {
                    let row = src.baseAddress! + r * n
                    let top = (0 ..< n).sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(k)
                    var picked = [Float](repeating: 0, count: k)
                    for (slot, index) in top.enumerated() {
                        indices[r * k + slot] = index
                        picked[slot] = row[index]
                    }
                    picked.withUnsafeBufferPointer { Kernels.softmaxRow($0.baseAddress!, w.baseAddress! + r * k, k) }
                }
            }
        }
        let fullShape = shape
        let picked = indices
        let recorded = Tensor.record(weights, op: "topk_softmax", inputs: [self]) { g in
            let grad = Tensor.zeros(fullShape)
            grad.withUnsafeMutableBufferPointer { d in
                g.withUnsafeBufferPointer { pg in
                    weights.withUnsafeBufferPointer { pw in
                        for r in 0 ..< rows {
                            var dot: Float = 0
                            for s in 0 ..< k { dot += pg[r * k + s] * pw[r * k + s] }
                            for s in 0 ..< k { d[r * n + picked[r * k + s]] = pw[r * k + s] * (pg[r * k + s] - dot) }
                        }
                    }
                }
            }
            return [grad]
        }
        return (recorded, indices)
    }
}
