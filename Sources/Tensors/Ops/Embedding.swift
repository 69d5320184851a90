extension Tensor {
    /// Rows of this matrix picked by `indices` (`index_select` on dimension 0, `F.embedding`): the
    /// result has shape `shape + [columns]`, where `shape` defaults to `[indices.count]`. The
    /// gradient scatters back into the picked rows, adding where an index repeats.
    public func indexSelect(rows indices: [Int], shape indexShape: [Int]? = nil) throws -> Tensor {
        guard rank == 2 else {
            throw TensorError.shapeMismatch(op: "indexSelect", shapes: [shape], reason: "rows are picked from a matrix")
        }
        let (rowCount, width) = (shape[0], shape[1])
        let outerShape = indexShape ?? [indices.count]
        guard outerShape.reduce(1, *) == indices.count else {
            throw TensorError.shapeMismatch(op: "indexSelect", shapes: [outerShape], reason: "the index shape must hold \(indices.count) indices")
        }
        if let bad = indices.first(where: { $0 < 0 || $0 >= rowCount }) {
            throw TensorError.invalidArgument(op: "indexSelect", reason: "index \(bad) is outside the \(rowCount) rows (ids must be in 0..<\(rowCount))")
        }
        let out = withUnsafeBufferPointer { table in
            Tensor.make(shape: outerShape + [width]) { dst in
                Parallel.forEachChunk(indices.count, costPerItem: width) { range in
                    for i in range {
                        (dst.baseAddress! + i * width).update(from: table.baseAddress! + indices[i] * width, count: width)
                    }
                }
            }
        }
        let tableShape = shape
        return Tensor.record(out, op: "index_select", inputs: [self]) { g in
            let grad = Tensor.zeros(tableShape)
            grad.withUnsafeMutableBufferPointer { dst in
                g.withUnsafeBufferPointer { src in
                    for (i, row) in indices.enumerated() {
                        let target = dst.baseAddress! + row * width, source = src.baseAddress! + i * width
                        for j in 0 ..< width { target[j] += source[j] }
                    }
                }
            }
            return [grad]
        }
    }
}
