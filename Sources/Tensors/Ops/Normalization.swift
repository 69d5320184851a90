extension Tensor {
    /// Layer normalisation over the last dimension, `(x − mean) / sqrt(var + eps) · weight + bias`,
    /// with the biased variance, as `nn.LayerNorm` computes it. Forward and backward are each one
    /// pass over the rows; the backward recomputes `x̂` from the input and the saved per-row mean and
    /// inverse standard deviation instead of keeping a normalised copy.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor {
        let n = try normalizedDimension(op: "layerNorm", weight: weight, bias: bias)
        let rows = n == 0 ? 0 : count / n
        var statistics = RowStatistics(rows: rows)
        let out = statistics.withPointers { mean, inverseStd in
            Kernels.normRows(self, weight: weight, bias: bias, n) { r, x in
                var m: Float = 0
                for i in 0 ..< n { m += x[i] }
                m /= Float(n)
                var variance: Float = 0
                for i in 0 ..< n { variance += (x[i] - m) * (x[i] - m) }
                mean[r] = m
                inverseStd[r] = 1 / (variance / Float(n) + eps).squareRoot()
                return (m, inverseStd[r])
            }
        }
        return Tensor.record(out, op: "layer_norm", inputs: [self] + [weight, bias].compactMap { $0 }) { [self] g in
            // dx = s · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)), ĝ = g · weight
            let dx = !self.requiresGrad ? nil : statistics.withPointers { mean, inverseStd in
                Kernels.normBackwardRows(g, self, weight: weight, n, center: { mean[$0] }, scale: { inverseStd[$0] }, centered: true)
            }
            return [dx] + Kernels.affineParameterGrads(g, self, weight: weight, bias: bias, n, statistics: statistics)
        }
    }

    /// RMS normalisation over the last dimension, `x / sqrt(mean(x²) + eps) · weight`, as LLaMA's
    /// `LlamaRMSNorm` computes it; one pass forward and one backward, like `layerNorm`.
    public func rmsNorm(weight: Tensor?, eps: Float) throws -> Tensor {
        let n = try normalizedDimension(op: "rmsNorm", weight: weight, bias: nil)
        let rows = n == 0 ? 0 : count / n
        var statistics = RowStatistics(rows: rows)
        let out = statistics.withPointers { _, inverseRMS in
            Kernels.normRows(self, weight: weight, bias: nil, n) { r, x in
                var meanSquare: Float = 0
                for i in 0 ..< n { meanSquare += x[i] * x[i] }
                inverseRMS[r] = 1 / (meanSquare / Float(n) + eps).squareRoot()
                return (0, inverseRMS[r])
            }
        }
        return Tensor.record(out, op: "rms_norm", inputs: [self] + [weight].compactMap { $0 }) { [self] g in
            // dx = s · (ĝ − x̂ · mean(ĝ · x̂)), ĝ = g · weight
            let dx = !self.requiresGrad ? nil : statistics.withPointers { _, inverseRMS in
                Kernels.normBackwardRows(g, self, weight: weight, n, center: { _ in 0 }, scale: { inverseRMS[$0] }, centered: false)
            }
            return [dx] + Kernels.affineParameterGrads(g, self, weight: weight, bias: nil, n, statistics: statistics)
        }
    }

    private func normalizedDimension(op: String, weight: Tensor?, bias: Tensor?) throws -> Int {
        guard rank >= 1 else { throw TensorError.invalidArgument(op: op, reason: "needs at least one dimension") }
        let n = shape[rank - 1]
        for p in [weight, bias].compactMap({ $0 }) where p.shape != [n] {
            throw TensorError.shapeMismatch(op: op, shapes: [shape, p.shape],
                                            reason: "weight and bias must be vectors of the last dimension, \(n)")
        }
        return n
    }
}

/// Per row of a normalisation: the mean subtracted (0 for RMS norm) and the scale applied, saved
/// by the forward pass for the backward one.
struct RowStatistics {
    var mean: [Float]
    var scale: [Float]

    init(rows: Int) {
        mean = [Float](repeating: 0, count: rows)
        scale = [Float](repeating: 0, count: rows)
    }

    mutating func withPointers<R>(_ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> R) -> R {
        mean.withUnsafeMutableBufferPointer { m in scale.withUnsafeMutableBufferPointer { s in body(m.baseAddress!, s.baseAddress!) } }
    }

    /// `x̂ = (x − mean) · scale` for the whole tensor (for the norm's own parameter gradients).
    func normalized(_ x: Tensor, _ n: Int) -> Tensor {
        Kernels.rowwise(x, n) { r, x, y in for i in 0 ..< n { y[i] = (x[i] - mean[r]) * scale[r] } }
    }
}

extension Kernels {
    /// A normalisation's forward pass: per row, `statistics(row, x)` returns the centre and scale
    /// (and records them), then `y = (x − centre) · scale · weight + bias` is written in the same pass.
    @inline(__always)
    static func normRows(_ x: Tensor, weight: Tensor?, bias: Tensor?, _ n: Int,
                         statistics: (Int, UnsafePointer<Float>) -> (center: Float, scale: Float)) -> Tensor {
        let w = weight?.scalars, b = bias?.scalars
        return rowwise(x, n) { r, x, y in
            let (center, scale) = statistics(r, x)
            for i in 0 ..< n { y[i] = (x[i] - center) * scale }
            if let w { for i in 0 ..< n { y[i] *= w[i] } }
            if let b { for i in 0 ..< n { y[i] += b[i] } }
        }
    }

    /// A normalisation's input gradient, one pass per row: with `ĝ = g · weight` and
    /// `x̂ = (x − centre) · scale`, `dx = scale · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))`, the `mean(ĝ)`
    /// term only when the norm subtracts the mean (`centered`).
    @inline(__always)
    static func normBackwardRows(_ g: Tensor, _ x: Tensor, weight: Tensor?, _ n: Int,
                                 center: (Int) -> Float, scale: (Int) -> Float, centered: Bool) -> Tensor {
        let w = weight?.scalars
        return rowwise2(g, x, n) { r, gr, xr, dx in
            let c = center(r), s = scale(r)
            var meanG: Float = 0, meanGX: Float = 0
            for i in 0 ..< n {
                let gh = w.map { gr[i] * $0[i] } ?? gr[i]
                meanG += gh
                meanGX += gh * ((xr[i] - c) * s)
            }
            meanG = centered ? meanG / Float(n) : 0
            meanGX /= Float(n)
            for i in 0 ..< n {
                let gh = w.map { gr[i] * $0[i] } ?? gr[i]
                dx[i] = s * (gh - meanG - (xr[i] - c) * s * meanGX)
            }
        }
    }

    /// The gradients of a norm's weight (`Σ g·x̂` over rows) and bias (`Σ g`), for those that need one.
    static func affineParameterGrads(_ g: Tensor, _ x: Tensor, weight: Tensor?, bias: Tensor?, _ n: Int,
                                     statistics: RowStatistics) -> [Tensor?] {
        var grads: [Tensor?] = []
        if let weight {
            grads.append(weight.requiresGrad
                ? sum(binary(g, statistics.normalized(x, n), outShape: g.shape, Product.self), to: [n]) : nil)
        }
        if let bias {
            grads.append(bias.requiresGrad ? sum(g, to: [n]) : nil)
        }
        return grads
    }
}
