/// Scaled-dot-product attention with its hand-written backward, side by side.
///
/// Layout: queries `[B, H, T, D]`, keys and values `[B, Hkv, S, D]` with `H` a multiple of `Hkv`
/// (grouped-query attention: query head `h` reads key/value head `h / (H / Hkv)`; nothing is
/// repeated in memory), or, for GPT-2-style training, all three packed side by side in `c_attn`'s
/// `[B, T, 3·H·D]`. Queries are the last `T` of the `S` key positions, so a KV cache (`S > T`)
/// works with the causal mask. Keys after the causal limit, or before a sliding window (Mistral,
/// Gemma 3), get weight exactly 0; padded keys get the lowest finite score before the softmax, as
/// transformers' eager attention adds `finfo.min`, so a row with every key masked gets uniform
/// weights, not NaN.
public struct AttentionMask: Sendable {
    /// Whether query `i` may not see keys after it.
    public var causal: Bool
    /// Per batch row, per key position: whether that key is real (`attention_mask == 1`).
    public var keyPadding: [[Bool]]?
    /// A sliding window (with `causal`): query `i` sees at most this many keys, itself included,
    /// the keys `j` with `i − window < j ≤ i` (transformers' `kv_idx > q_idx − sliding_window`).
    public var window: Int?

    public init(causal: Bool, keyPadding: [[Bool]]? = nil, window: Int? = nil) {
        self.causal = causal
        self.keyPadding = keyPadding
        self.window = window
    }
}

extension Tensor {
    /// `softmax(q kᵀ · scale + mask) v` per batch row and head. `scale` defaults to `1 / sqrt(D)`.
    public static func scaledDotProductAttention(query q: Tensor, key k: Tensor, value v: Tensor,
                                                 mask: AttentionMask, scale: Float? = nil) throws -> Tensor {
        try attention(q, k, v, AttentionGeometry(q.shape, k.shape, v.shape, mask: mask), mask: mask, scale: scale)
    }

    /// Multi-head attention on projections as the linear layers give them: queries `[B, T, H, D]`,
    /// keys and values `[B, S, Hkv, D]`, returning `[B, T, H·D]` ready for the output projection. The
    /// same values as permuting to `[B, H, T, D]`, attending and permuting back, without those copies
    /// or their gradients' (the GEMMs read and write the heads in place, rows `H·D` apart).
    public static func scaledDotProductAttention(tokenMajorQuery q: Tensor, key k: Tensor, value v: Tensor,
                                                 mask: AttentionMask, scale: Float? = nil) throws -> Tensor {
        guard q.rank == 4, k.rank == 4, v.shape == k.shape else {
            throw TensorError.shapeMismatch(op: "attention", shapes: [q.shape, k.shape, v.shape],
                                            reason: "expected query [B, T, H, D] and key = value [B, S, Hkv, D]")
        }
        let (b, t, h, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3]), (s, hkv) = (k.shape[1], k.shape[2])
        let geometry = try AttentionGeometry([b, h, t, d], [b, hkv, s, d], [b, hkv, s, d], mask: mask,
                                             query: .packed(rows: t, width: h * d, column: 0, d: d),
                                             key: .packed(rows: s, width: hkv * d, column: 0, d: d),
                                             value: .packed(rows: s, width: hkv * d, column: 0, d: d),
                                             output: .packed(rows: t, width: h * d, column: 0, d: d), outputShape: [b, t, h * d])
        return try attention(q, k, v, geometry, mask: mask, scale: scale)
    }

    /// Attention of `q`, `k`, `v` laid out as `geometry` says, with its pullback.
    private static func attention(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ geometry: AttentionGeometry,
                                  mask: AttentionMask, scale: Float?) throws -> Tensor {
        let scale = scale ?? 1 / Float(geometry.d).squareRoot()
        let (probabilities, out) = q.withUnsafeBufferPointer { pq in
            k.withUnsafeBufferPointer { pk in
                v.withUnsafeBufferPointer { pv in
                    geometry.forward(q: pq.baseAddress!, k: pk.baseAddress!, v: pv.baseAddress!, scale: scale, mask: mask)
                }
            }
        }
        return record(out, op: "attention", inputs: [q, k, v]) { g in
            let (dq, dk, dv) = (q.requiresGrad ? Tensor.zeros(q.shape) : nil, k.requiresGrad ? Tensor.zeros(k.shape) : nil,
                                v.requiresGrad ? Tensor.zeros(v.shape) : nil)
            q.withUnsafeBufferPointer { pq in k.withUnsafeBufferPointer { pk in v.withUnsafeBufferPointer { pv in
                GradientBuffers(dq, dk, dv).withPointers { pdq, pdk, pdv in
                    geometry.pullback(g, probabilities, q: pq.baseAddress!, k: pk.baseAddress!, v: pv.baseAddress!,
                                      dq: pdq, dk: pdk, dv: pdv, scale: scale, mask: mask)
                }
            } } }
            return [dq, dk, dv]
        }
    }

    /// Multi-head attention straight from a fused projection `[B, T, 3·H·D]` that holds the queries,
    /// keys and values side by side (GPT-2's `c_attn`), returning `[B, T, H·D]` ready for the output
    /// projection: the same values as splitting, permuting to `[B, H, T, D]` and back, without those
    /// copies or their gradients' (the heads are read and written in place with strided GEMMs).
    public static func scaledDotProductAttention(packedQKV qkv: Tensor, heads: Int, mask: AttentionMask,
                                                 scale: Float? = nil) throws -> Tensor {
        guard qkv.rank == 3, heads > 0, qkv.shape[2] % (3 * heads) == 0 else {
            throw TensorError.shapeMismatch(op: "attention", shapes: [qkv.shape],
                                            reason: "expected [B, T, 3·H·D] with H = \(heads) heads")
        }
        let (b, t, width) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
        let d = width / heads
        let geometry = try AttentionGeometry([b, heads, t, d], [b, heads, t, d], [b, heads, t, d], mask: mask,
                                             query: .packed(rows: t, width: 3 * width, column: 0, d: d),
                                             key: .packed(rows: t, width: 3 * width, column: width, d: d),
                                             value: .packed(rows: t, width: 3 * width, column: 2 * width, d: d),
                                             output: .packed(rows: t, width: width, column: 0, d: d), outputShape: [b, t, width])
        let scale = scale ?? 1 / Float(d).squareRoot()
        let (probabilities, out) = qkv.withUnsafeBufferPointer { p in
            geometry.forward(q: p.baseAddress!, k: p.baseAddress!, v: p.baseAddress!, scale: scale, mask: mask)
        }
        return record(out, op: "attention", inputs: [qkv]) { g in
            let dqkv = Tensor.zeros(qkv.shape)
            qkv.withUnsafeBufferPointer { p in
                dqkv.withUnsafeMutableBufferPointer { dp in
                    geometry.pullback(g, probabilities, q: p.baseAddress!, k: p.baseAddress!, v: p.baseAddress!,
                                      dq: dp.baseAddress!, dk: dp.baseAddress!, dv: dp.baseAddress!, scale: scale, mask: mask)
                }
            }
            return [dqkv]
        }
    }
}

/// Where the heads of one attention operand lie in its buffer: head `h` of batch row `b` starts at
/// `offset(b, h)` and its rows (positions) are `rowStride` apart, which the GEMMs take as their
/// leading dimension.
struct HeadLayout {
    let start: Int, batchStride: Int, headStride: Int, rowStride: Int

    @inline(__always) func offset(_ batch: Int, _ head: Int) -> Int { start + batch * batchStride + head * headStride }

    /// `[B, heads, rows, D]`, each head contiguous.
    static func separate(heads: Int, rows: Int, d: Int) -> HeadLayout {
        HeadLayout(start: 0, batchStride: heads * rows * d, headStride: rows * d, rowStride: d)
    }

    /// `[B, rows, width]` with the heads side by side from column `column` on.
    static func packed(rows: Int, width: Int, column: Int, d: Int) -> HeadLayout {
        HeadLayout(start: column, batchStride: rows * width, headStride: d, rowStride: width)
    }
}

/// The shapes of one attention call and the kernels of its forward and backward passes.
struct AttentionGeometry {
    let b: Int, h: Int, hkv: Int, t: Int, s: Int, d: Int
    let query: HeadLayout, key: HeadLayout, value: HeadLayout, output: HeadLayout
    /// The output's shape: `[B, H, T, D]`, or `[B, T, H·D]` for the packed form.
    let outputShape: [Int]
    var group: Int { h / hkv }

    init(_ q: [Int], _ k: [Int], _ v: [Int], mask: AttentionMask,
         query: HeadLayout? = nil, key: HeadLayout? = nil, value: HeadLayout? = nil, output: HeadLayout? = nil,
         outputShape: [Int]? = nil) throws {
        guard q.count == 4, k.count == 4, k == v, q[0] == k[0], q[3] == k[3], k[1] > 0, q[1] % k[1] == 0, q[2] <= k[2] else {
            throw TensorError.shapeMismatch(op: "attention", shapes: [q, k, v],
                                            reason: "expected query [B, H, T, D] and key = value [B, Hkv, S, D] with H a multiple of Hkv and T ≤ S")
        }
        (b, h, hkv, t, s, d) = (q[0], q[1], k[1], q[2], k[2], q[3])
        self.query = query ?? .separate(heads: h, rows: t, d: d)
        self.key = key ?? .separate(heads: hkv, rows: s, d: d)
        self.value = value ?? .separate(heads: hkv, rows: s, d: d)
        self.output = output ?? .separate(heads: h, rows: t, d: d)
        self.outputShape = outputShape ?? [b, h, t, d]
        if let window = mask.window, window < 1 || !mask.causal {
            throw TensorError.invalidArgument(op: "attention", reason: "a sliding window must be at least 1 key and used with the causal mask, got \(window)")
        }
        if let padding = mask.keyPadding, padding.count != b || padding.contains(where: { $0.count != s }) {
            throw TensorError.shapeMismatch(op: "attention", shapes: [q, [padding.count, padding.first?.count ?? 0]],
                                            reason: "the padding mask must be [batch, key positions] = [\(b), \(s)]")
        }
    }

    /// The attention weights `[B, H, T, S]` and the output `P v` (in the output layout). Each
    /// (batch row, head) is one task for a worker: its scores, mask, softmax and weighted sum run
    /// together on one core while its `T x S` block is in cache, with single-threaded GEMMs. Under
    /// the causal mask, each block of query rows multiplies only the keys it can see (`KeyBlocks`).
    func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                 scale: Float, mask: AttentionMask) -> (probabilities: Tensor, output: Tensor) {
        let blocks = KeyBlocks(self, mask: mask)
        var out: Tensor!
        let p = Tensor.make(shape: [b, h, t, s]) { pp in
            out = Tensor.make(shape: outputShape) { po in
                Parallel.forEachChunk(b * h, costPerItem: t * s * d) { heads in
                    for bh in heads {
                        let (batch, head) = (bh / h, bh % h), kvHead = head / group
                        let scores = pp.baseAddress! + bh * t * s
                        let qHead = q + query.offset(batch, head), oHead = po.baseAddress! + output.offset(batch, head)
                        let kHead = k + key.offset(batch, kvHead), vHead = v + value.offset(batch, kvHead)
                        for (rows, keys) in blocks {
                            Kernels.gemm(transposeB: true, m: rows.count, n: keys, k: d, alpha: scale,
                                         a: qHead + rows.lowerBound * query.rowStride, lda: query.rowStride, b: kHead, ldb: key.rowStride,
                                         c: scores + rows.lowerBound * s, ldc: s, serial: true)
                            for i in rows { softmaxRow(scores + i * s, query: i, padding: mask.keyPadding?[batch], mask: mask) }
                            Kernels.gemm(m: rows.count, n: d, k: keys, a: scores + rows.lowerBound * s, lda: s, b: vHead, ldb: value.rowStride,
                                         c: oHead + rows.lowerBound * output.rowStride, ldc: output.rowStride, serial: true)
                        }
                    }
                }
            }
        }
        return (p, out)
    }

    /// The keys query `i` may see: all `s`, or with the causal mask the first `i + s - t + 1`.
    @inline(__always) func visibleKeys(query i: Int, causal: Bool) -> Int {
        causal ? i + s - t + 1 : s
    }

    /// The first key query `i` may see: 0, or with a sliding window the oldest key inside it.
    @inline(__always) func firstVisibleKey(query i: Int, window: Int?) -> Int {
        window.map { Swift.max(0, i + s - t - $0 + 1) } ?? 0
    }

    /// Whether every key query `i` may see is padding (its weights are then uniform over all keys).
    @inline(__always) func seesOnlyPadding(query i: Int, padding: [Bool]?, mask: AttentionMask) -> Bool {
        guard let padding else { return false }
        return !padding[firstVisibleKey(query: i, window: mask.window) ..< visibleKeys(query: i, causal: mask.causal)].contains(true)
    }

    /// Turns one row of scores into weights in place. Keys after the causal limit or before the
    /// sliding window get exactly 0 and are never exponentiated; padded keys get the lowest finite
    /// score, as transformers adds `finfo.min`. A row whose visible keys are all padding gets
    /// uniform weights over every key, as transformers' additive mask gives.
    @inline(__always) private func softmaxRow(_ row: UnsafeMutablePointer<Float>, query i: Int, padding: [Bool]?, mask: AttentionMask) {
        let visible = visibleKeys(query: i, causal: mask.causal), first = firstVisibleKey(query: i, window: mask.window)
        if let padding {
            guard !seesOnlyPadding(query: i, padding: padding, mask: mask) else {
                row.update(repeating: 1 / Float(s), count: s)
                return
            }
            for j in first ..< visible where !padding[j] { row[j] = -Float.greatestFiniteMagnitude }
        }
        row.update(repeating: 0, count: first)
        Kernels.softmaxRow(row + first, row + first, visible - first)
        (row + visible).update(repeating: 0, count: s - visible)
    }

    /// Adds the gradients of q, k, v from the output gradient `g` into `dq`, `dk`, `dv` (zeroed
    /// buffers in the operands' layouts; nil where no gradient is wanted):
    /// `dV = Pᵀ dO`, `dP = dO Vᵀ`, `dS = P ⊙ (dP − rowsum(dP ⊙ P)) · scale`, `dQ = dS K`, `dK = dSᵀ Q`,
    /// summed over the query heads that share a key/value head. Each (batch row, key/value head) is
    /// one task, so the sums over its query heads never race; `dS` lives in the task's own scratch.
    /// Weights past a block's visible keys are exactly 0, and so is their `dS`: those columns are skipped.
    func pullback(_ g: Tensor, _ p: Tensor, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                  dq: UnsafeMutablePointer<Float>?, dk: UnsafeMutablePointer<Float>?, dv: UnsafeMutablePointer<Float>?,
                  scale: Float, mask: AttentionMask) {
        let blocks = KeyBlocks(self, mask: mask)
        g.withUnsafeBufferPointer { pg in
        p.withUnsafeBufferPointer { pp in
            Parallel.forEachChunk(b * hkv, costPerItem: group * t * s * d) { kvHeads in
                let ds = UnsafeMutablePointer<Float>.allocate(capacity: t * s)
                defer { ds.deallocate() }
                for flat in kvHeads {
                    let (batch, kvHead) = (flat / hkv, flat % hkv)
                    let kHead = k + key.offset(batch, kvHead), vHead = v + value.offset(batch, kvHead)
                    for head in kvHead * group ..< (kvHead + 1) * group {
                        let pHead = pp.baseAddress! + (batch * h + head) * t * s
                        let gHead = pg.baseAddress! + output.offset(batch, head), qHead = q + query.offset(batch, head)
                        for (rows, keys) in blocks {
                            let first = rows.lowerBound
                            let pRows = pHead + first * s, gRows = gHead + first * output.rowStride, dsRows = ds + first * s
                            if let dv {
                                Kernels.gemm(transposeA: true, m: keys, n: d, k: rows.count, a: pRows, lda: s, b: gRows, ldb: output.rowStride,
                                             beta: 1, c: dv + value.offset(batch, kvHead), ldc: value.rowStride, serial: true)
                            }
                            Kernels.gemm(transposeB: true, m: rows.count, n: keys, k: d, a: gRows, lda: output.rowStride,
                                         b: vHead, ldb: value.rowStride, c: dsRows, ldc: s, serial: true)
                            for i in rows {
                                let dRow = ds + i * s, pRow = pHead + i * s
                                // A fully masked row's uniform weights do not depend on its scores.
                                if seesOnlyPadding(query: i, padding: mask.keyPadding?[batch], mask: mask) {
                                    dRow.update(repeating: 0, count: keys)
                                    continue
                                }
                                let dot = VectorMath.dot(dRow, pRow, keys)
                                for j in 0 ..< keys { dRow[j] = pRow[j] * (dRow[j] - dot) * scale }
                            }
                            if let dq {
                                Kernels.gemm(m: rows.count, n: d, k: keys, a: dsRows, lda: s, b: kHead, ldb: key.rowStride,
                                             c: dq + query.offset(batch, head) + first * query.rowStride, ldc: query.rowStride, serial: true)
                            }
                            if let dk {
                                Kernels.gemm(transposeA: true, m: keys, n: d, k: rows.count, a: dsRows, lda: s,
                                             b: qHead + first * query.rowStride, ldb: query.rowStride, beta: 1,
                                             c: dk + key.offset(batch, kvHead), ldc: key.rowStride, serial: true)
                            }
                        }
                    }
                }
            }
        } }
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
/// 256`, 44% of the work; 32-row blocks measured faster than 16, 64 or 128). Without it, or with a
/// padding mask (a fully padded row spreads its weight over every key), there is one block seeing
/// every key.
struct KeyBlocks: Sequence {
    static let rowsPerBlock = 32
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
