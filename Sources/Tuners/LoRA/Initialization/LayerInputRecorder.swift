import Models
import Tensors

/// Stands in for a layer during a calibration pass, as PEFT's forward hooks do: hands each input
/// to `record`, then runs the layer unchanged.
final class LayerInputRecorder: Module, TensorLayer {
    private let layer: any TensorLayer
    private let record: (Tensor) throws -> Void

    init(_ layer: any TensorLayer, record: @escaping (Tensor) throws -> Void) {
        self.layer = layer
        self.record = record
        super.init(kind: layer.kind, typeName: layer.typeName)
    }

    func forward(_ x: Tensor) throws -> Tensor {
        try record(x)
        return try layer.forward(x)
    }

    /// Runs `body` with each layer of `targets` replaced by a recorder that passes its inputs to
    /// `record` with the layer's name, the model in evaluation mode and no gradients; the layers and
    /// the mode are put back afterwards, also when `body` throws.
    static func recording<T>(_ targets: [LinearTarget], in model: any PretrainedModel,
                             record: @escaping (String, Tensor) throws -> Void, body: () throws -> T) throws -> T {
        let training = model.isTraining
        model.setTraining(false)
        var installed: [LinearTarget] = []
        defer {
            for target in installed { try? model.replaceModule(at: target.name, with: target.module) }
            model.setTraining(training)
        }
        for target in targets {
            try model.replaceModule(at: target.name, with: LayerInputRecorder(target.layer) { try record(target.name, $0) })
            installed.append(target)
        }
        return try GradMode.withoutGradients(body)
    }
}

/// A Linear or Conv1D module an adapter config wraps: the layers EVA and CorDA calibrate.
struct LinearTarget {
    let name: String
    let module: Module
    let layer: any TensorLayer
    let inFeatures: Int, outFeatures: Int

    /// The base weight in `[out, in]` layout.
    func outInWeight() throws -> Tensor {
        switch module {
        case let conv as Conv1D: return try conv.weight.value().transposed()
        case let linear as Linear: return try linear.weight.value()
        default: throw TunerError.unsupportedModule(name: name, reason: "not a Linear or Conv1D layer")
        }
    }

    /// The Linear/Conv1D modules `config` wraps in `model`, in module order (PEFT's named_modules).
    static func all(of config: LoraConfig, in model: any PretrainedModel) throws -> [LinearTarget] {
        var targeting = config.targeting
        return try PeftModel.resolveTargets(&targeting, taskType: config.base.taskType, in: model).compactMap { name, module in
            switch module {
            case let linear as Linear: return LinearTarget(name: name, module: module, layer: linear, inFeatures: linear.inFeatures, outFeatures: linear.outFeatures)
            case let conv as Conv1D: return LinearTarget(name: name, module: module, layer: conv, inFeatures: conv.inFeatures, outFeatures: conv.outFeatures)
            default: return nil
            }
        }
    }
}
