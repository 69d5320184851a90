import Foundation
import Models
import Tensors

/// The evaluation a training run makes every `eval_every` steps and the workbench's `eval` makes on
/// its own: the loss as training computes it (`BatchLoss`), without gradients and with dropout off,
/// averaged over batches of the (global) batch size, with perplexity for a causal LM and accuracy
/// for a classifier. In a data-parallel job each rank takes its share of every batch and the ranks'
/// sums are combined, so every rank gets the same result.
public struct Evaluator {
    public let model: any PretrainedModel
    /// The held-out examples.
    public let examples: TrainingExamples
    /// Examples per batch (over all ranks).
    public let batchSize: Int
    public let padId: Int
    public let dataParallel: DataParallel?

    public init(model: any PretrainedModel, examples: TrainingExamples, batchSize: Int, padId: Int, dataParallel: DataParallel? = nil) {
        self.model = model
        self.examples = examples
        self.batchSize = batchSize
        self.padId = padId
        self.dataParallel = dataParallel
    }

    /// The metrics of the model as it is now, reported at `step`; the model's training mode is as
    /// it was afterwards.
    public func evaluate(step: Int = 0) throws -> EvaluationMetrics {
        let wasTraining = model.isTraining
        model.setTraining(false)
        defer { model.setTraining(wasTraining) }
        var total = 0.0, batches = 0, correct = 0, classified = 0
        try GradMode.withoutGradients {
            // Each rank's loss is weighted so that the ranks' sum is the batch's mean loss.
            for start in stride(from: 0, to: examples.examples.count, by: batchSize) {
                let global = Array(examples.examples[start ..< min(start + batchSize, examples.examples.count)])
                batches += 1
                let share = dataParallel?.share(of: global, classification: model.task == .sequenceClassification) ?? (examples: global, lossWeight: 1)
                guard share.lossWeight > 0 else { continue }
                let batch = try Batch(share.examples, padId: padId)
                let output = try model.forward(batch.input)
                total += Double(try BatchLoss.of(batch, model: model, output: output).item) * share.lossWeight / Double(dataParallel?.ranks ?? 1)
                if let classes = batch.classLabels, let logits = output.logits {
                    let width = logits.shape[1], values = logits.scalars
                    for (row, label) in classes.enumerated() {
                        let scores = values[row * width ..< (row + 1) * width]
                        if scores.indices.max(by: { scores[$0] < scores[$1] })! - row * width == label { correct += 1 }
                    }
                    classified += classes.count
                }
            }
        }
        if let dataParallel {
            let sums = try dataParallel.communicator.sum([total, Double(correct), Double(classified)], what: "the evaluation at step \(step)")
            (total, correct, classified) = (sums[0], Int(sums[1]), Int(sums[2]))
        }
        let loss = total / Double(max(batches, 1))
        return EvaluationMetrics(step: step, loss: loss, perplexity: model.task == .causalLM ? Foundation.exp(loss) : nil,
                                 accuracy: classified > 0 ? Double(correct) / Double(classified) : nil)
    }
}
