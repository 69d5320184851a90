import Models
import Tensors

extension PeftModel {
    /// The AdaLoRA adapter that trains (PEFT's `trainable_adapter_name`), or nil when no AdaLoRA
    /// adapter trains.
    public var trainableAdaLoraAdapter: String? {
        adapterNames.first { configs[$0] is AdaLoraConfig && trainableAdapters.contains($0) }
    }

    /// AdaLoRA's orthogonal regulariser, as PEFT's `AdaLoraModel.forward` adds it to the loss:
    /// `orth_reg_weight` × the mean over every `lora_A` and `lora_B` of `adapter` of
    /// ‖A Aᵀ − I‖_F and ‖Bᵀ B − I‖_F. Differentiable; zero without matrices.
    public func orthogonalRegularization(adapter: String) throws -> Tensor {
        guard let config = configs[adapter] as? AdaLoraConfig else {
            throw TunerError.invalidState("\(adapter) is not an AdaLoRA adapter; only AdaLoRA has an orthogonal regulariser")
        }
        var terms: [Tensor] = []
        for (_, layer) in adapterLayers {
            guard let triplet = (layer as? AdaLoraLinear)?.triplet(adapter) else { continue }
            let a = try triplet.a.value(), b = try triplet.b.value()
            terms.append(try Self.distanceFromIdentity(a.matmul(a, transposeOther: true)))
            terms.append(try Self.distanceFromIdentity(b.matmul(b, transposeSelf: true)))
        }
        guard let first = terms.first else { return Tensor(scalar: 0) }
        let total = try terms.dropFirst().reduce(first, +)
        return total.scaled(by: Float(config.orthRegWeight) / Float(terms.count))
    }

    /// ‖M − I‖_F of a square matrix.
    private static func distanceFromIdentity(_ m: Tensor) throws -> Tensor {
        let n = m.shape[0]
        let identity = Tensor.make(shape: [n, n]) { values in
            for i in 0 ..< n * n { values[i] = i % (n + 1) == 0 ? 1 : 0 }
        }
        return try (m - identity).reshaped([n * n]).norm(axis: 0)
    }
}
