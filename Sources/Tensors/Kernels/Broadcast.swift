/// NumPy broadcasting: shapes are aligned at their last dimension and a dimension of 1 (or a missing
/// leading one) repeats to match the other operand.
enum Broadcast {
    /// The shape both operands broadcast to, or an error naming them.
    static func shape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0 ..< rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else {
                throw TensorError.shapeMismatch(op: op, shapes: [a, b],
                                                reason: "dimension \(i) is \(da) against \(db); broadcasting needs them equal or one of them 1")
            }
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Element strides of `shape` seen from `outShape`: 0 along every repeated dimension.
    static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
        let pad = outShape.count - shape.count
        var strides = [Int](repeating: 0, count: outShape.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i + pad] = shape[i] == 1 ? 0 : step
            step *= shape[i]
        }
        return strides
    }

    /// Whether `shape` is `outShape` with some leading dimensions removed or set to 1, so that its
    /// values repeat as one block over the leading dimensions.
    static func isTrailingBlock(_ shape: [Int], of outShape: [Int]) -> Bool {
        var s = shape
        while s.first == 1, s.count > 0 { s.removeFirst() }
        return s.count <= outShape.count && Array(outShape.suffix(s.count)) == s
    }
}

/// An element-wise operator of two inputs for `Kernels.binary`, in lane form for equal shapes and
/// scalar form for broadcasting.
protocol BinaryOperator: LaneKernel {
    static func apply(_ a: Float, _ b: Float) -> Float
}

enum Sum: BinaryOperator {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func apply(_ a: Lanes, _ b: Lanes, _: Lanes) -> Lanes { a + b }
}

enum Difference: BinaryOperator {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b }
    @inline(__always) static func apply(_ a: Lanes, _ b: Lanes, _: Lanes) -> Lanes { a - b }
}

enum Product: BinaryOperator {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b }
    @inline(__always) static func apply(_ a: Lanes, _ b: Lanes, _: Lanes) -> Lanes { a * b }
}

enum Quotient: BinaryOperator {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b }
    @inline(__always) static func apply(_ a: Lanes, _ b: Lanes, _: Lanes) -> Lanes { a / b }
}

/// `−a · b` (the quotient rule's second term).
enum NegatedProduct: BinaryOperator {
    @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { -a * b }
    @inline(__always) static func apply(_ a: Lanes, _ b: Lanes, _: Lanes) -> Lanes { -a * b }
}

extension Kernels {
    /// `Op(a, b)` element by element over the broadcast shape `outShape`.
    static func binary<Op: BinaryOperator>(_ a: Tensor, _ b: Tensor, outShape: [Int], _: Op.Type) -> Tensor {
        let n = outShape.reduce(1, *)
        if a.count == n, b.count == n { return lanes(Op.self, a, b).reshapedUnchecked(outShape) }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                Tensor.make(shape: outShape) { out in
                    if a.count == n, Broadcast.isTrailingBlock(b.shape, of: outShape) {
                        let period = b.count
                        Parallel.forEachChunk(n / max(period, 1), costPerItem: period) { r in
                            for block in r { for j in 0 ..< period { out[block * period + j] = Op.apply(pa[block * period + j], pb[j]) } }
                        }
                    } else if b.count == n, Broadcast.isTrailingBlock(a.shape, of: outShape) {
                        let period = a.count
                        Parallel.forEachChunk(n / max(period, 1), costPerItem: period) { r in
                            for block in r { for j in 0 ..< period { out[block * period + j] = Op.apply(pa[j], pb[block * period + j]) } }
                        }
                    } else {
                        let sa = Broadcast.strides(of: a.shape, in: outShape), sb = Broadcast.strides(of: b.shape, in: outShape)
                        forEachIndex(outShape, strides: (sa, sb)) { o, ia, ib in out[o] = Op.apply(pa[ia], pb[ib]) }
                    }
                }
            }
        }
    }

    /// Visits every element of `shape` in row-major order with its offsets under two stride lists.
    static func forEachIndex(_ shape: [Int], strides: ([Int], [Int]), _ body: (Int, Int, Int) -> Void) {
        let n = shape.reduce(1, *)
        guard n > 0 else { return }
        let rank = shape.count
        var index = [Int](repeating: 0, count: rank)
        var ia = 0, ib = 0
        for o in 0 ..< n {
            body(o, ia, ib)
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                ia += strides.0[d]
                ib += strides.1[d]
                if index[d] < shape[d] { break }
                ia -= strides.0[d] * shape[d]
                ib -= strides.1[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// Sums `g` (of a broadcast shape) down to `shape`: the gradient of an operand that was broadcast.
    static func sum(_ g: Tensor, to shape: [Int]) -> Tensor {
        if g.shape == shape { return g }
        let n = shape.reduce(1, *)
        if n == g.count { return g.reshapedUnchecked(shape) }
        let out = Tensor.zeros(shape)
        g.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                if Broadcast.isTrailingBlock(shape, of: g.shape) {
                    for block in 0 ..< (n > 0 ? g.count / n : 0) {
                        for j in 0 ..< n { dst[j] += src[block * n + j] }
                    }
                } else {
                    let st = Broadcast.strides(of: shape, in: g.shape)
                    forEachIndex(g.shape, strides: (st, st)) { o, t, _ in dst[t] += src[o] }
                }
            }
        }
        return out
    }
}
