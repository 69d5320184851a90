import Foundation

extension Tensor {
    /// Softmax over the last dimension.
    public func softmax() throws -> Tensor {
        guard rank >= 1 else { throw TensorError.invalidArgument(op: "softmax", reason: "needs at least one dimension") }
        let n = shape[rank - 1]
        let out = Kernels.rowwise(self, n) { _, x, y in Kernels.softmaxRow(x, y, n) }
        return Tensor.record(out, op: "softmax", inputs: [self]) { g in
            // dx = y ⊙ (g − Σ g·y)
            [Kernels.rowwise2(g, out, n) { _, dy, y, dx in
                var dot: Float = 0
                for i in 0 ..< n { dot += dy[i] * y[i] }
                for i in 0 ..< n { dx[i] = y[i] * (dy[i] - dot) }
            }]
        }
    }

    /// Log-softmax over the last dimension (computed stably, not as the log of a softmax).
    public func logSoftmax() throws -> Tensor {
        guard rank >= 1 else { throw TensorError.invalidArgument(op: "logSoftmax", reason: "needs at least one dimension") }
        let n = shape[rank - 1]
        let out = Kernels.rowwise(self, n) { _, x, y in
            let (maximum, logTotal) = Kernels.logSumExp(x, n)
            for i in 0 ..< n { y[i] = (x[i] - maximum) - logTotal }
        }
        return Tensor.record(out, op: "log_softmax", inputs: [self]) { g in
            // dx = g − softmax · Σ g
            [Kernels.rowwise2(g, out, n) { _, dy, y, dx in
                var total: Float = 0
                for i in 0 ..< n { total += dy[i] }
                for i in 0 ..< n { dx[i] = dy[i] - Foundation.exp(y[i]) * total }
            }]
        }
    }
}

extension Kernels {
    /// Writes the softmax of the `n` values at `x` to `y`.
    @inline(__always)
    static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var maximum = -Float.infinity
        for i in 0 ..< n { maximum = Swift.max(maximum, x[i]) }
        var total: Float = 0
        for i in 0 ..< n {
            let e = Foundation.exp(x[i] - maximum)
            y[i] = e
            total += e
        }
        let inverse = 1 / total
        for i in 0 ..< n { y[i] *= inverse }
    }

    /// `log Σ exp(x)` over `n` values as its two parts, the maximum `m` and `log Σ exp(x − m)`;
    /// log-probabilities are `(x − m) − logTotal`, which keeps their precision for large logits.
    @inline(__always)
    static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int) -> (maximum: Float, logTotal: Float) {
        var maximum = -Float.infinity
        for i in 0 ..< n { maximum = Swift.max(maximum, x[i]) }
        var total: Float = 0
        for i in 0 ..< n { total += Foundation.exp(x[i] - maximum) }
        return (maximum, Foundation.log(total))
    }
}
