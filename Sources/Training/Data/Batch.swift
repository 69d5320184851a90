import Models
import Tensors

/// Examples stacked into one model input: right-padded to the longest with the pad id, attention
/// mask 0 and label -100 on the padding.
public struct Batch {
    public let input: ModelInput
    /// Per-token labels `[batch, length]` for a causal LM.
    public let labels: [Int]
    /// Class indices for sequence classification.
    public let classLabels: [Int]?
    /// Real (unpadded) tokens, for throughput figures.
    public let tokenCount: Int

    public init(_ examples: [TrainingExample], padId: Int) throws {
        let length = examples.map(\.ids.count).max() ?? 0
        var ids: [Int] = [], mask: [Int] = [], labels: [Int] = []
        for example in examples {
            let pad = length - example.ids.count
            ids += example.ids + [Int](repeating: padId, count: pad)
            mask += (example.attentionMask ?? example.ids.map { _ in 1 }) + [Int](repeating: 0, count: pad)
            let own = example.labels.isEmpty ? [Int](repeating: Tensor.ignoreIndex, count: example.ids.count) : example.labels
            labels += own + [Int](repeating: Tensor.ignoreIndex, count: pad)
        }
        let padded = mask.contains(0)
        input = try ModelInput(ids: ids, batch: examples.count, length: length, attentionMask: padded ? mask : nil)
        self.labels = labels
        classLabels = examples.allSatisfy { $0.classLabel != nil } ? examples.map { $0.classLabel! } : nil
        tokenCount = examples.reduce(0) { $0 + $1.tokenCount }
    }
}
