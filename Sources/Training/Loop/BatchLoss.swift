import Models
import Tensors

/// The loss training minimises on a batch, the one loss code of training and evaluation: the
/// causal-LM loss over the labelled tokens, or the cross entropy of the class for a classifier.
enum BatchLoss {
    /// The loss of `batch` through `model`, from `output` when the forward pass was already made.
    static func of(_ batch: Batch, model: any PretrainedModel, output: ModelOutput? = nil) throws -> Tensor {
        let output = try output ?? model.forward(batch.input)
        guard let logits = output.logits else { throw RecipeError("\(model.architecture) has no head to train; load a causal LM or a classifier") }
        if model.task == .sequenceClassification {
            guard let classes = batch.classLabels else { throw DataError("a classification model needs data with labels") }
            return try logits.crossEntropy(targets: classes)
        }
        return try logits.causalLMLoss(labels: batch.labels)
    }
}
