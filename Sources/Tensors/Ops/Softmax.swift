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
            let (maximum, logTotal) = Kernels.logSumExp(x, n, scratch: y)
            for i in 0 ..< n { y[i] = (x[i] - maximum) - logTotal }
        }
        return Tensor.record(out, op: "log_softmax", inputs: [self]) { g in
            // dx = g − softmax · Σ g
            [Kernels.rowwise2(g, out, n) { _, dy, y, dx in
                var total: Float = 0
                for i in 0 ..< n { total += dy[i] }
                _ = VectorMath.expShifted(y, dx, n, shift: 0)  // the softmax, into dx
                for i in 0 ..< n { dx[i] = dy[i] - dx[i] * total }
            }]
        }
    }
}

extension Kernels {
    /// Writes the softmax of the `n` values at `x` to `y` (which may be `x`).
    @inline(__always)
    static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let maximum = VectorMath.maximum(x, n)
        let inverse = 1 / VectorMath.expShifted(x, y, n, shift: maximum)
        for i in 0 ..< n { y[i] *= inverse }
    }

    /// `log Σ exp(x)` over `n` values as its two parts, the maximum `m` and `log Σ exp(x − m)`;
    /// log-probabilities are `(x − m) − logTotal`, which keeps their precision for large logits.
    /// `scratch` receives `exp(x − m)`.
    @inline(__always)
    static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int, scratch: UnsafeMutablePointer<Float>) -> (maximum: Float, logTotal: Float) {
        let maximum = VectorMath.maximum(x, n)
        return (maximum, Foundation.log(VectorMath.expShifted(x, scratch, n, shift: maximum)))
    }
}
