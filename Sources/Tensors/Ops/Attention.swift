/// Scaled-dot-product attention with its hand-written backward, side by side.
///
/// Layout: queries `[B, H, T, D]`, keys and values `[B, Hkv, S, D]` with `H` a multiple of `Hkv`
/// (grouped-query attention: query head `h` reads key/value head `h / (H / Hkv)`; nothing is
/// repeated in memory). Queries are the last `T` of the `S` key positions, so a KV cache (`S > T`)
/// works with the causal mask. Masked scores are set to the lowest finite float before the softmax,
/// as transformers' eager attention adds `finfo.min`: a row with every key masked gets uniform weights,
/// not NaN.
public struct AttentionMask: Sendable {
    /// Whether query `i` may not see keys after it.
    public var causal: Bool
    /// Per batch row, per key position: whether that key is real (`attention_mask == 1`).
    public var keyPadding: [[Bool]]?

    public init(causal: Bool, keyPadding: [[Bool]]? = nil) {
        self.causal = causal
        self.keyPadding = keyPadding
    }
}

extension Tensor {
    /// `softmax(q kᵀ · scale + mask) v` per batch row and head. `scale` defaults to `1 / sqrt(D)`.
    public static func scaledDotProductAttention(query q: Tensor, key k: Tensor, value v: Tensor,
                                                 mask: AttentionMask, scale: Float? = nil) throws -> Tensor {
        let geometry = try AttentionGeometry(q.shape, k.shape, v.shape, mask: mask)
        let scale = scale ?? 1 / Float(geometry.d).squareRoot()
        let probabilities = geometry.probabilities(q, k, scale: scale, mask: mask)
        let out = geometry.weightedValues(probabilities, v)
        return record(out, op: "attention", inputs: [q, k, v]) { g in
            geometry.pullback(g, q, k, v, probabilities, scale: scale)
        }
    }
}

/// The shapes of one attention call and the kernels of its forward and backward passes.
struct AttentionGeometry {
    let b: Int, h: Int, hkv: Int, t: Int, s: Int, d: Int
    var group: Int { h / hkv }

    init(_ q: [Int], _ k: [Int], _ v: [Int], mask: AttentionMask) throws {
        guard q.count == 4, k.count == 4, k == v, q[0] == k[0], q[3] == k[3], k[1] > 0, q[1] % k[1] == 0, q[2] <= k[2] else {
            throw TensorError.shapeMismatch(op: "attention", shapes: [q, k, v],
                                            reason: "expected query [B, H, T, D] and key = value [B, Hkv, S, D] with H a multiple of Hkv and T ≤ S")
        }
        (b, h, hkv, t, s, d) = (q[0], q[1], k[1], q[2], k[2], q[3])
        if let padding = mask.keyPadding, padding.count != b || padding.contains(where: { $0.count != s }) {
            throw TensorError.shapeMismatch(op: "attention", shapes: [q, [padding.count, padding.first?.count ?? 0]],
                                            reason: "the padding mask must be [batch, key positions] = [\(b), \(s)]")
        }
    }

    /// The attention weights `[B, H, T, S]`: scores, mask, softmax per row.
    func probabilities(_ q: Tensor, _ k: Tensor, scale: Float, mask: AttentionMask) -> Tensor {
        let p = Tensor.zeros([b, h, t, s])
        q.withUnsafeBufferPointer { pq in
            k.withUnsafeBufferPointer { pk in
                p.withUnsafeMutableBufferPointer { pp in
                    for bh in 0 ..< b * h {
                        Kernels.gemm(transposeB: true, m: t, n: s, k: d, alpha: scale,
                                     a: pq.baseAddress! + bh * t * d, b: pk.baseAddress! + kvHead(bh) * s * d,
                                     c: pp.baseAddress! + bh * t * s)
                    }
                    let lowest = -Float.greatestFiniteMagnitude
                    Parallel.forEachChunk(b * h * t, costPerItem: s) { rows in
                        for row in rows {
                            let batch = row / (h * t), i = row % t
                            let scores = pp.baseAddress! + row * s
                            if mask.causal { for j in (i + s - t + 1) ..< s { scores[j] = lowest } }
                            if let padding = mask.keyPadding?[batch] { for j in 0 ..< s where !padding[j] { scores[j] = lowest } }
                            Kernels.softmaxRow(scores, scores, s)
                        }
                    }
                }
            }
        }
        return p
    }

    /// `P v` per batch row and head: `[B, H, T, D]`.
    func weightedValues(_ p: Tensor, _ v: Tensor) -> Tensor {
        let out = Tensor.zeros([b, h, t, d])
        p.withUnsafeBufferPointer { pp in
            v.withUnsafeBufferPointer { pv in
                out.withUnsafeMutableBufferPointer { po in
                    for bh in 0 ..< b * h {
                        Kernels.gemm(m: t, n: d, k: s, a: pp.baseAddress! + bh * t * s,
                                     b: pv.baseAddress! + kvHead(bh) * s * d, c: po.baseAddress! + bh * t * d)
                    }
                }
            }
        }
        return out
    }

    /// Gradients of q, k, v from the output gradient `g`:
    /// `dV = Pᵀ dO`, `dP = dO Vᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P)) · scale`, `dQ = dS K`, `dK = dSᵀ Q`,
    /// summed over the query heads that share a key/value head.
    func pullback(_ g: Tensor, _ q: Tensor, _ k: Tensor, _ v: Tensor, _ p: Tensor, scale: Float) -> [Tensor?] {
        let dScores = Tensor.zeros([b, h, t, s])
        let dq = q.requiresGrad ? Tensor.zeros(q.shape) : nil
        let dk = k.requiresGrad ? Tensor.zeros(k.shape) : nil
        let dv = v.requiresGrad ? Tensor.zeros(v.shape) : nil
        g.withUnsafeBufferPointer { pg in
        p.withUnsafeBufferPointer { pp in
        q.withUnsafeBufferPointer { pq in
        k.withUnsafeBufferPointer { pk in
        v.withUnsafeBufferPointer { pv in
        dScores.withUnsafeMutableBufferPointer { ds in
            for bh in 0 ..< b * h {
                let kv = kvHead(bh), accumulate: Float = bh % group == 0 ? 0 : 1
                if let dv {
                    dv.withUnsafeMutableBufferPointer { pdv in
                        Kernels.gemm(transposeA: true, m: s, n: d, k: t, a: pp.baseAddress! + bh * t * s,
                                     b: pg.baseAddress! + bh * t * d, beta: accumulate, c: pdv.baseAddress! + kv * s * d)
                    }
                }
                Kernels.gemm(transposeB: true, m: t, n: s, k: d, a: pg.baseAddress! + bh * t * d,
                             b: pv.baseAddress! + kv * s * d, c: ds.baseAddress! + bh * t * s)
            }
            Parallel.forEachChunk(b * h * t, costPerItem: s) { rows in
                for row in rows {
                    let dRow = ds.baseAddress! + row * s, pRow = pp.baseAddress! + row * s
                    var dot: Float = 0
                    for j in 0 ..< s { dot += dRow[j] * pRow[j] }
                    for j in 0 ..< s { dRow[j] = pRow[j] * (dRow[j] - dot) * scale }
                }
            }
            for bh in 0 ..< b * h {
                let kv = kvHead(bh), accumulate: Float = bh % group == 0 ? 0 : 1
                if let dq {
                    dq.withUnsafeMutableBufferPointer { pdq in
                        Kernels.gemm(m: t, n: d, k: s, a: ds.baseAddress! + bh * t * s,
                                     b: pk.baseAddress! + kv * s * d, c: pdq.baseAddress! + bh * t * d)
                    }
                }
                if let dk {
                    dk.withUnsafeMutableBufferPointer { pdk in
                        Kernels.gemm(transposeA: true, m: s, n: d, k: t, a: ds.baseAddress! + bh * t * s,
                                     b: pq.baseAddress! + bh * t * d, beta: accumulate, c: pdk.baseAddress! + kv * s * d)
                    }
                }
            }
        } } } } } }
        return [dq, dk, dv]
    }

    /// The flat `(batch, kv head)` index read by flat `(batch, query head)` index `bh`.
    @inline(__always) private func kvHead(_ bh: Int) -> Int {
        (bh / h) * hkv + (bh % h) / group
    }
}
