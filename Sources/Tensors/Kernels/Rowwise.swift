extension Kernels {
    /// A tensor of `x`'s shape whose rows of length `n` are written by `body(row, input, output)`,
    /// rows split across cores.
    @inline(__always)
    static func rowwise(_ x: Tensor, _ n: Int,
                               _ body: (Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let rows = n == 0 ? 0 : x.count / n
        return x.withUnsafeBufferPointer { src in
            Tensor.make(shape: x.shape) { dst in
                Parallel.forEachChunk(rows, costPerItem: n) { range in
                    for r in range { body(r, src.baseAddress! + r * n, dst.baseAddress! + r * n) }
                }
            }
        }
    }

    /// Like `rowwise`, with a second input of the same shape: `body(row, a, b, output)`.
    @inline(__always)
    static func rowwise2(_ a: Tensor, _ b: Tensor, _ n: Int,
                                _ body: (Int, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let rows = n == 0 ? 0 : a.count / n
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                Tensor.make(shape: b.shape) { dst in
                    Parallel.forEachChunk(rows, costPerItem: n) { range in
                        for r in range { body(r, pa.baseAddress! + r * n, pb.baseAddress! + r * n, dst.baseAddress! + r * n) }
                    }
                }
            }
        }
    }
}
