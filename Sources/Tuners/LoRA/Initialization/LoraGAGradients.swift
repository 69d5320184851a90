import Models
import Tensors

/// PEFT's `preprocess_loraga` → `estimate_gradients`: the full-weight gradient of every targeted
/// Linear/Conv1D over the calibration batches, with only those weights requiring a gradient. The
/// model runs in training mode; each batch is one `model(**batch).loss.backward()` (transformers'
/// causal-LM loss: shifted, mean over the labels that are not -100; a batch without labels takes
/// its ids where the attention mask is 1, as a training step on it would). The gradients add up
/// over the batches and are divided by the number of backward passes, so `G` is the mean of the
/// per-batch gradients. The flags, gradients and mode are restored afterwards; the weights are
/// not changed.
enum LoraGAGradients {
    /// `G` `[out, in]` by full module name (Conv1D gradients are transposed from their `[in, out]`).
    static func estimate(_ model: any PretrainedModel, targets: [LinearTarget], calibration: Calibration) throws -> [String: Tensor] {
        guard !targets.isEmpty else {
            throw TunerError.noMatchingModules("No supported layers found for LoRA-GA initialization. LoRA-GA only supports nn.Linear and Conv1D layers. Please ensure your model contains at least one of these layer types in target_modules.")
        }
        let weights = try targets.map { target -> Parameter in
            guard let weight = (target.module as? Linear)?.weight ?? (target.module as? Conv1D)?.weight else {
                throw TunerError.unsupportedModule(name: target.name, reason: "LoRA-GA only supports nn.Linear and Conv1D layers")
            }
            if weight.frozen?.format == .nf4 {
                throw TunerError.invalidValue(field: "init_lora_weights", reason: "LoRA-GA does not support quantized models. Found quantized module: '\(target.name)'. LoRA-GA requires full-precision gradients during preprocessing; load the base in float32")
            }
            return weight
        }
        let parameters = model.namedParameters().map(\.parameter)
        let flags = parameters.map(\.requiresGrad)
        let wasTraining = model.isTraining
        defer {
            for parameter in parameters { parameter.tensor?.zeroGrad() }
            for (parameter, flag) in zip(parameters, flags) { parameter.requiresGrad = flag }
            model.setTraining(wasTraining)
        }
        for parameter in parameters { parameter.requiresGrad = false }
        for weight in weights { weight.requiresGrad = true }
        model.setTraining(true)
        for (index, batch) in calibration.batches.enumerated() {
            try calibration.checkStop("LoRA-GA")
            guard let logits = try model.forward(batch.input).logits else {
                throw TunerError.unsupportedModule(name: model.architecture, reason: "LoRA-GA's train step needs a causal language model's loss, and this model gives no logits")
            }
            try logits.causalLMLoss(labels: batch.labels ?? Self.labels(of: batch.input)).backward()
            calibration.report(CalibrationProgress(method: "LoRA-GA", done: index + 1, total: calibration.batches.count, detail: "gradient of batch \(index + 1)"))
        }
        return try GradMode.withoutGradients {
            var gradients: [String: Tensor] = [:]
            for (target, weight) in zip(targets, weights) {
                guard let sum = weight.tensor?.grad else { continue }
                let mean = sum.scaled(by: 1 / Float(calibration.batches.count))
                gradients[target.name] = target.module is Conv1D ? try mean.transposed().copy() : mean
            }
            return gradients
        }
    }

    /// The ids as labels, -100 where the attention mask is 0.
    private static func labels(of input: ModelInput) -> [Int] {
        guard let mask = input.attentionMask else { return input.ids }
        return input.ids.indices.map { mask[$0] == 1 ? input.ids[$0] : Tensor.ignoreIndex }
    }
}
