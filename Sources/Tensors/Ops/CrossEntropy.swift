import Foundation

extension Tensor {
    /// The index PyTorch's `cross_entropy` skips: a label of -100 contributes nothing.
    public static let ignoreIndex = -100

    /// Mean cross-entropy of `self` (logits `[..., classes]`) against one class index per row,
    /// with the log-softmax fused in. Rows whose target is `ignoreIndex` are skipped and the mean is
    /// over the others, as `torch.nn.functional.cross_entropy(reduction="mean")`; with none left the
    /// result is NaN, as in PyTorch.
    public func crossEntropy(targets: [Int], ignoreIndex: Int = Tensor.ignoreIndex) throws -> Tensor {
        guard rank >= 1, let classes = shape.last, classes > 0 else {
            throw TensorError.invalidArgument(op: "crossEntropy", reason: "logits need a non-empty last (class) dimension, shape is \(shape)")
        }
        let rows = count / classes
        guard targets.count == rows else {
            throw TensorError.shapeMismatch(op: "crossEntropy", shapes: [shape, [targets.count]], reason: "one target per row of logits (\(rows) rows)")
        }
        if let bad = targets.first(where: { $0 != ignoreIndex && ($0 < 0 || $0 >= classes) }) {
            throw TensorError.invalidArgument(op: "crossEntropy", reason: "target \(bad) is not a class index in 0..<\(classes) nor \(ignoreIndex)")
        }
        // Per row: the loss, and the shift `max + log Σ exp(x − max)` that turns logits into log-probabilities.
        var rowLoss = [Double](repeating: 0, count: rows)
        var rowShift = [Float](repeating: 0, count: rows)
        withUnsafeBufferPointer { logits in
            rowLoss.withUnsafeMutableBufferPointer { losses in
                rowShift.withUnsafeMutableBufferPointer { shifts in
                    Parallel.forEachChunk(rows, costPerItem: classes) { range in
                        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: classes)
                        defer { scratch.deallocate() }
                        for r in range where targets[r] != ignoreIndex {
                            let row = logits.baseAddress! + r * classes
                            let (maximum, logTotal) = Kernels.logSumExp(row, classes, scratch: scratch)
                            shifts[r] = maximum + logTotal
                            losses[r] = Double(logTotal - (row[targets[r]] - maximum))
                        }
                    }
                }
            }
        }
        let counted = targets.filter { $0 != ignoreIndex }.count
        let loss = Tensor(scalar: Float(rowLoss.reduce(0, +) / Double(counted)))
        return Tensor.record(loss, op: "cross_entropy", inputs: [self]) { [self] g in
            // d/dlogits = (softmax − onehot) / counted, zero on ignored rows; softmax = exp(x − shift).
            let scale = g.item / Float(counted)
            return [Kernels.rowwise(self, classes) { r, x, dx in
                guard targets[r] != ignoreIndex else {
                    dx.update(repeating: 0, count: classes)
                    return
                }
                _ = VectorMath.expShifted(x, dx, classes, shift: rowShift[r])
                dx[targets[r]] -= 1
                for i in 0 ..< classes { dx[i] *= scale }
            }]
        }
    }
}
