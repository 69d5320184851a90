extension Tensor {
    /// Layer normalisation over the last dimension, `(x − mean) / sqrt(var + eps) · weight + bias`,
    /// with the biased variance, as `nn.LayerNorm` computes it.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float) throws -> Tensor {
        let n = try normalizedDimension(op: "layerNorm", weight: weight, bias: bias)
        let rows = n == 0 ? 0 : count / n
        var inverseStd = [Float](repeating: 0, count: rows)
        let normalized = inverseStd.withUnsafeMutableBufferPointer { inv in
            Kernels.rowwise(self, n) { r, x, y in
                var mean: Float = 0
                for i in 0 ..< n { mean += x[i] }
                mean /= Float(n)
                var variance: Float = 0
                for i in 0 ..< n { variance += (x[i] - mean) * (x[i] - mean) }
                let s = 1 / (variance / Float(n) + eps).squareRoot()
                inv[r] = s
                for i in 0 ..< n { y[i] = (x[i] - mean) * s }
            }
        }
        let out = Kernels.affine(normalized, weight: weight, bias: bias, n)
        return Tensor.record(out, op: "layer_norm", inputs: [self] + [weight, bias].compactMap { $0 }) { [self] g in
            let gHat = weight.map { w in Kernels.binary(g, w, outShape: g.shape, *) } ?? g
            // dx = s · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))
            let dx: Tensor? = !self.requiresGrad ? nil : inverseStd.withUnsafeBufferPointer { inv in
                Kernels.rowwise2(gHat, normalized, n) { r, gh, xh, dx in
                    var meanG: Float = 0, meanGX: Float = 0
                    for i in 0 ..< n { meanG += gh[i]; meanGX += gh[i] * xh[i] }
                    meanG /= Float(n)
                    meanGX /= Float(n)
                    for i in 0 ..< n { dx[i] = inv[r] * (gh[i] - meanG - xh[i] * meanGX) }
                }
            }
            return [dx] + Kernels.affineParameterGrads(g, normalized, weight: weight, bias: bias, n)
        }
    }

    /// RMS normalisation over the last dimension, `x / sqrt(mean(x²) + eps) · weight`, as LLaMA's
    /// `LlamaRMSNorm` computes it.
    public func rmsNorm(weight: Tensor?, eps: Float) throws -> Tensor {
        let n = try normalizedDimension(op: "rmsNorm", weight: weight, bias: nil)
        let rows = n == 0 ? 0 : count / n
        var inverseRMS = [Float](repeating: 0, count: rows)
        let normalized = inverseRMS.withUnsafeMutableBufferPointer { inv in
            Kernels.rowwise(self, n) { r, x, y in
                var meanSquare: Float = 0
                for i in 0 ..< n { meanSquare += x[i] * x[i] }
                let s = 1 / (meanSquare / Float(n) + eps).squareRoot()
                inv[r] = s
                for i in 0 ..< n { y[i] = x[i] * s }
            }
        }
        let out = Kernels.affine(normalized, weight: weight, bias: nil, n)
        return Tensor.record(out, op: "rms_norm", inputs: [self] + [weight].compactMap { $0 }) { [self] g in
            let gHat = weight.map { w in Kernels.binary(g, w, outShape: g.shape, *) } ?? g
            // dx = s · (ĝ − x̂ · mean(ĝ · x̂))
            let dx: Tensor? = !self.requiresGrad ? nil : inverseRMS.withUnsafeBufferPointer { inv in
                Kernels.rowwise2(gHat, normalized, n) { r, gh, xh, dx in
                    var meanGX: Float = 0
                    for i in 0 ..< n { meanGX += gh[i] * xh[i] }
                    meanGX /= Float(n)
                    for i in 0 ..< n { dx[i] = inv[r] * (gh[i] - xh[i] * meanGX) }
                }
            }
            return [dx] + Kernels.affineParameterGrads(g, normalized, weight: weight, bias: nil, n)
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

extension Kernels {
    /// `x̂ · weight + bias` over rows of length `n` (either may be absent).
    static func affine(_ normalized: Tensor, weight: Tensor?, bias: Tensor?, _ n: Int) -> Tensor {
        var out = normalized
        if let weight { out = binary(out, weight, outShape: out.shape, *) }
        if let bias { out = binary(out, bias, outShape: out.shape, +) }
        return out
    }

    /// The gradients of a norm's weight (`Σ g·x̂` over rows) and bias (`Σ g`), for those that need one.
    static func affineParameterGrads(_ g: Tensor, _ normalized: Tensor, weight: Tensor?, bias: Tensor?, _ n: Int) -> [Tensor?] {
        var grads: [Tensor?] = []
        if let weight {
            grads.append(weight.requiresGrad ? sum(binary(g, normalized, outShape: g.shape, *), to: [n]) : nil)
        }
        if let bias {
            grads.append(bias.requiresGrad ? sum(g, to: [n]) : nil)
        }
        return grads
    }
}
