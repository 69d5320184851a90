extension Tensor {
    /// The sum of all elements, as a scalar tensor.
    public func sum() -> Tensor {
        let total = withUnsafeBufferPointer { buf in buf.reduce(Double(0)) { $0 + Double($1) } }
        let shape = self.shape
        return Tensor.record(Tensor(scalar: Float(total)), op: "sum", inputs: [self]) { g in
            [Tensor.full(shape, g.item)]
        }
    }

    /// The mean of all elements, as a scalar tensor.
    public func mean() -> Tensor {
        sum().scaled(by: 1 / Float(Swift.max(count, 1)))
    }

    /// Sums over `axis`; the axis is dropped unless `keepDims`.
    public func sum(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalize(axis: axis, op: "sum")
        let (outer, length, inner) = (shape[..<ax].reduce(1, *), shape[ax], shape[(ax + 1)...].reduce(1, *))
        var kept = shape
        kept[ax] = 1
        let out = withUnsafeBufferPointer { src in
            Tensor.make(shape: kept) { dst in
                Parallel.forEachChunk(outer, costPerItem: length * inner) { range in
                    for o in range {
                        let base = dst.baseAddress! + o * inner
                        base.update(repeating: 0, count: inner)
                        for l in 0 ..< length {
                            let row = src.baseAddress! + (o * length + l) * inner
                            for i in 0 ..< inner { base[i] += row[i] }
                        }
                    }
                }
            }
        }
        var outShape = shape
        if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        let full = shape
        return Tensor.record(out.reshapedUnchecked(outShape), op: "sum", inputs: [self]) { g in
            [Kernels.binary(Tensor.zeros(full), g.reshapedUnchecked(kept), outShape: full, Sum.self)]
        }
    }

    /// The mean over `axis`; the axis is dropped unless `keepDims`.
    public func mean(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalize(axis: axis, op: "mean")
        return try sum(axis: ax, keepDims: keepDims).scaled(by: 1 / Float(Swift.max(shape[ax], 1)))
    }

    /// The Euclidean (L2) norm over `axis`; the axis is dropped unless `keepDims`.
    /// The gradient at a zero norm is taken as zero.
    public func norm(axis: Int, keepDims: Bool = false) throws -> Tensor {
        let squares = GradMode.withoutGradients { Kernels.map(self) { $0 * $0 } }
        let norms = try GradMode.withoutGradients { try squares.sum(axis: axis, keepDims: true) }
        let root = Kernels.map(norms) { $0.squareRoot() }
        let ax = try normalize(axis: axis, op: "norm")
        var outShape = shape
        if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        let full = shape
        return Tensor.record(root.reshapedUnchecked(outShape), op: "norm", inputs: [self]) { [self] g in
            let scale = Kernels.zip(g.reshapedUnchecked(root.shape), root) { $1 == 0 ? 0 : $0 / $1 }
            return [Kernels.binary(self, scale, outShape: full, Product.self)]
        }
    }
}
