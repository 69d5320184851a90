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
        let (probabilities, out) = geometry.forward(q, k, v, scale: scale, mask: mask)
        return record(out, op: "attention", inputs: [q, k, v]) { g in
            geometry.pullback(g, q, k, v, probabilities, scale: scale, mask: mask)
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

    /// The attention weights `[B, H, T, S]` and the output `P v` `[B, H, T, D]`. Each (batch row,
    /// head) is one task for a worker: its scores, mask, softmax and weighted sum run together on
    /// one core while its `T x S` block is in cache, with single-threaded GEMMs. Under the causal
    /// mask, each block of query rows multiplies only the keys it can see (`KeyBlocks`).
    func forward(_ q: Tensor, _ k: Tensor, _ v: Tensor, scale: Float, mask: AttentionMask) -> (probabilities: Tensor, output: Tensor) {
        let blocks = KeyBlocks(self, mask: mask)
        var out: Tensor!
        let p = Tensor.make(shape: [b, h, t, s]) { pp in
            out = Tensor.make(shape: [b, h, t, d]) { po in
                q.withUnsafeBufferPointer { pq in
                k.withUnsafeBufferPointer { pk in
                v.withUnsafeBufferPointer { pv in
                    Parallel.forEachChunk(b * h, costPerItem: t * s * d) { heads in
                        for bh in heads {
                            let scores = pp.baseAddress! + bh * t * s, kv = kvHead(bh)
                            for (rows, keys) in blocks {
                                Kernels.gemm(transposeB: true, m: rows.count, n: keys, k: d, alpha: scale,
                                             a: pq.baseAddress! + (bh * t + rows.lowerBound) * d, b: pk.baseAddress! + kv * s * d,
                                             c: scores + rows.lowerBound * s, ldc: s, serial: true)
                                for i in rows { softmaxRow(scores + i * s, query: i, padding: mask.keyPadding?[bh / h], causal: mask.causal) }
                                Kernels.gemm(m: rows.count, n: d, k: keys, a: scores + rows.lowerBound * s, lda: s,
                                             b: pv.baseAddress! + kv * s * d, c: po.baseAddress! + (bh * t + rows.lowerBound) * d, serial: true)
                            }
                        }
                    }
                } } }
            }
        }
        return (p, out)
    }

    /// The keys query `i` may see: all `s`, or with the causal mask the first `i + s - t + 1`.
    @inline(__always) func visibleKeys(query i: Int, causal: Bool) -> Int {
        causal ? i + s - t + 1 : s
    }

    /// Turns one row of scores into weights in place. Keys after the causal limit get exactly 0 and
    /// are never exponentiated; padded keys get the lowest finite score, as transformers adds
    /// `finfo.min`. A row whose visible keys are all padding gets uniform weights over every key, as
    /// transformers' additive mask gives.
    @inline(__always) private func softmaxRow(_ row: UnsafeMutablePointer<Float>, query i: Int, padding: [Bool]?, causal: Bool) {
        let visible = visibleKeys(query: i, causal: causal)
        if let padding {
            guard padding[0 ..< visible].contains(true) else {
                row.update(repeating: 1 / Float(s), count: s)
                return
            }
            for j in 0 ..< visible where !padding[j] { row[j] = -Float.greatestFiniteMagnitude }
        }
        Kernels.softmaxRow(row, row, visible)
        (row + visible).update(repeating: 0, count: s - visible)
    }

    /// Gradients of q, k, v from the output gradient `g`:
    /// `dV = Pᵀ dO`, `dP = dO Vᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P)) · scale`, `dQ = dS K`, `dK = dSᵀ Q`,
    /// summed over the query heads that share a key/value head. Each (batch row, key/value head) is
    /// one task, so the sums over its query heads never race; `dS` lives in the task's own scratch.
    /// Weights past a block's visible keys are exactly 0, and so is their `dS`: those columns are skipped.
    func pullback(_ g: Tensor, _ q: Tensor, _ k: Tensor, _ v: Tensor, _ p: Tensor, scale: Float, mask: AttentionMask) -> [Tensor?] {
        let blocks = KeyBlocks(self, mask: mask)
        let dq = q.requiresGrad ? Tensor.zeros(q.shape) : nil
        let dk = k.requiresGrad ? Tensor.zeros(k.shape) : nil
        let dv = v.requiresGrad ? Tensor.zeros(v.shape) : nil
        g.withUnsafeBufferPointer { pg in
        p.withUnsafeBufferPointer { pp in
        q.withUnsafeBufferPointer { pq in
        k.withUnsafeBufferPointer { pk in
        v.withUnsafeBufferPointer { pv in
        GradientBuffers(dq, dk, dv).withPointers { pdq, pdk, pdv in
            Parallel.forEachChunk(b * hkv, costPerItem: group * t * s * d) { kvHeads in
                let ds = UnsafeMutablePointer<Float>.allocate(capacity: t * s)
                defer { ds.deallocate() }
                for kv in kvHeads {
                    let kHead = pk.baseAddress! + kv * s * d, vHead = pv.baseAddress! + kv * s * d
                    for bh in (kv / hkv) * h + (kv % hkv) * group ..< (kv / hkv) * h + (kv % hkv + 1) * group {
                        for (rows, keys) in blocks {
                            let first = rows.lowerBound
                            let pRows = pp.baseAddress! + (bh * t + first) * s, gRows = pg.baseAddress! + (bh * t + first) * d
                            let dsRows = ds + first * s
                            if let pdv {
                                Kernels.gemm(transposeA: true, m: keys, n: d, k: rows.count, a: pRows, lda: s, b: gRows, beta: 1,
                                             c: pdv + kv * s * d, serial: true)
                            }
                            Kernels.gemm(transposeB: true, m: rows.count, n: keys, k: d, a: gRows, b: vHead, c: dsRows, ldc: s, serial: true)
                            for i in rows {
                                let dRow = ds + i * s, pRow = pp.baseAddress! + (bh * t + i) * s
                                var dot: Float = 0
                                for j in 0 ..< keys { dot += dRow[j] * pRow[j] }
                                for j in 0 ..< keys { dRow[j] = pRow[j] * (dRow[j] - dot) * scale }
                            }
                            if let pdq {
                                Kernels.gemm(m: rows.count, n: d, k: keys, a: dsRows, lda: s, b: kHead,
                                             c: pdq + (bh * t + first) * d, serial: true)
                            }
                            if let pdk {
                                Kernels.gemm(transposeA: true, m: keys, n: d, k: rows.count, a: dsRows, lda: s,
                                             b: pq.baseAddress! + (bh * t + first) * d, beta: 1, c: pdk + kv * s * d, serial: true)
                            }
                        }
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

/// The gradient tensors attention writes, as mutable pointers for its workers (nil where an input
/// needs no gradient).
private struct GradientBuffers {
    let dq: Tensor?, dk: Tensor?, dv: Tensor?

    init(_ dq: Tensor?, _ dk: Tensor?, _ dv: Tensor?) { (self.dq, self.dk, self.dv) = (dq, dk, dv) }

    func withPointers(_ body: (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void) {
        func pointer(_ t: Tensor?, _ next: (UnsafeMutablePointer<Float>?) -> Void) {
            guard let t else { return next(nil) }
            t.withUnsafeMutableBufferPointer { next($0.baseAddress!) }
        }
        pointer(dq) { pdq in pointer(dk) { pdk in pointer(dv) { pdv in body(pdq, pdk, pdv) } } }
    }
}

/// The blocks of query rows attention works in, each with the number of keys its rows can see.
/// With the causal mask, rows are taken `rowsPerBlock` at a time and block `[r0, r1)` sees the
/// first `r1 + s − t` keys, so the products skip most of the masked upper triangle (for `T = S =
/// 256`, 37% of the work). Without it, or with a padding mask (a fully padded row spreads its
/// weight over every key), there is one block seeing every key.
struct KeyBlocks: Sequence {
    static let rowsPerBlock = 64
    let blocks: [(rows: Range<Int>, keys: Int)]

    init(_ geometry: AttentionGeometry, mask: AttentionMask) {
        let (t, s) = (geometry.t, geometry.s)
        guard mask.causal, mask.keyPadding == nil else {
            blocks = [(0 ..< t, s)]
            return
        }
        blocks = stride(from: 0, to: t, by: Self.rowsPerBlock).map { start in
            let end = Swift.min(t, start + Self.rowsPerBlock)
            return (start ..< end, geometry.visibleKeys(query: end - 1, causal: true))
        }
    }

    func makeIterator() -> IndexingIterator<[(rows: Range<Int>, keys: Int)]> { blocks.makeIterator() }
}
