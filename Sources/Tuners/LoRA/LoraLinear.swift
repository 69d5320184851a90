import Models
import Tensors

/// LoRA around a `Linear` (`[out, in]` weight) or a transformers `Conv1D` (`[in, out]`, PEFT's
/// `fan_in_fan_out`): `y = base(x) + scaling · B(A(dropout(x)))` for every active adapter, or DoRA's
/// magnitude-scaled form. The base layer is the child `base_layer`; adapters live in the children
/// `lora_dropout`, `lora_A`, `lora_B` and `lora_magnitude_vector`, keyed by adapter name.
public final class LoraLinear: Module, TensorLayer, AdapterLayer {
    public let baseLayer: Module
    /// The full name of the wrapped module.
    public let path: String
    /// How the base weight is stored: `.outIn` for Linear, `.inOut` for Conv1D.
    public let layout: WeightLayout
    public let inFeatures: Int, outFeatures: Int
    public private(set) var adapterNames: [String] = []
    public var activeAdapters: [String] = []
    public var adaptersDisabled = false
    public private(set) var mergedAdapters: [String] = []
    private var adapters: [String: LoraAdapter] = [:]
    /// Arrow adapters (PEFT's `lora_arrow`): routers over other adapters of this layer, by name.
    public internal(set) var arrowRouters: [String: ArrowRouter] = [:]
    /// DoRA's weight norms at merge time, needed to unmerge exactly.
    private var normsAtMerge: [String: Tensor] = [:]
    private let weight: Parameter
    private let bias: Parameter?
    private static let containerNames = ["lora_dropout", "lora_A", "lora_B", "lora_magnitude_vector"]

    /// Wraps `base`, a `Linear` or `Conv1D`, with no adapter yet; `typeName` is PEFT's class
    /// (`lora.ParamWrapper` for a layer made for `target_parameters`).
    init(wrapping base: Module, path: String, typeName: String = "lora.Linear") throws {
        switch base {
        case let linear as Linear:
            (layout, inFeatures, outFeatures, weight, bias) = (.outIn, linear.inFeatures, linear.outFeatures, linear.weight, linear.bias)
        case let conv as Conv1D:
            (layout, inFeatures, outFeatures, weight, bias) = (.inOut, conv.inFeatures, conv.outFeatures, conv.weight, conv.bias)
        default:
            throw TunerError.unsupportedModule(name: path, reason: "Target module \(path) (\(base.typeName)) is not supported. Currently, only Linear, Conv1D and Embedding layers are supported")
        }
        baseLayer = base
        self.path = path
        super.init(kind: base.kind, typeName: typeName)
        register(base, as: "base_layer")
        for container in Self.containerNames { register(AdapterModuleDict(), as: container) }
    }

    /// Adds the adapter `name` with the given weights (and DoRA magnitude).
    func add(_ name: String, adapter: LoraAdapter, dropout: Dropout) {
        adapters[name] = adapter
        adapterNames.append(name)
        child("lora_dropout")!.register(dropout, as: name)
        child("lora_A")!.register(adapter.a, as: name)
        child("lora_B")!.register(adapter.b, as: name)
        if let magnitude = adapter.magnitude { child("lora_magnitude_vector")!.register(magnitude, as: name) }
    }

    func adapter(_ name: String) -> LoraAdapter? { adapters[name] }

    public func adapterParameters(of adapter: String) -> [(name: String, parameter: Parameter)] {
        Self.containerNames.flatMap { container in
            (child(container)!.child(adapter)?.namedParameters() ?? []).map { ("\(container).\(adapter).\($0.name)", $0.parameter) }
        }
    }

    /// As the default, and DoRA's magnitude is saved without `.weight` (PEFT's state-dict format from
    /// before `lora_magnitude_vector` became a module).
    public func savedName(of relativeName: String, adapter: String) -> String {
        let name = AdapterFiles.removingAdapterName(relativeName, adapter: adapter)
        return name == "lora_magnitude_vector.weight" ? "lora_magnitude_vector" : name
    }

    public func deleteAdapter(_ name: String) {
        activeAdapters.removeAll { $0 == name }
        arrowRouters[name] = nil
        guard adapters.removeValue(forKey: name) != nil else { return }
        adapterNames.removeAll { $0 == name }
        removeEntries(of: name, from: Self.containerNames)
    }

    // MARK: Forward

    public func forward(_ x: Tensor) throws -> Tensor {
        if let output = try soleDoraForward(x) { return output }
        return try adaptedForward(base: { try (baseLayer as! any TensorLayer).forward(x) }) { name, result in
            if let router = arrowRouters[name] {
                result = try result + router.delta(x, in: self)
                return
            }
            guard let adapter = adapters[name] else { return }
            let dropped = try adapter.dropout.forward(x)
            if let magnitude = adapter.magnitude {
                try addDoraOutput(adapter, magnitude: magnitude, input: dropped, dropped: dropped !== x, to: &result)
            } else {
                try adapter.addUpdate(dropped, to: &result)
            }
        }
    }

    /// DoRA's output: `result + (s − 1) · base + s · scaling · B(A(x))` with `s = m / ‖W + scaling·BA‖`
    /// per output row, the norm treated as a constant, as PEFT computes it (`Tensor.doraOutput`).
    /// When the base output is the result itself (no dropout, no bias), that is
    /// `s ⊙ (result + scaling · B(A(x)))`: the update is added into the result in place as plain
    /// LoRA adds it, and the sum scaled, with no `[..., out]` update tensor in between.
    private func addDoraOutput(_ adapter: LoraAdapter, magnitude: DoraMagnitude, input: Tensor, dropped: Bool, to result: inout Tensor) throws {
        let s = try magnitude.weight.value() / doraWeightNorm(adapter)
        if !dropped, bias == nil {
            try adapter.addUpdate(input, to: &result)
            result = try Tensor.doraOutput(result: result, base: result, lora: nil, s: s, scaling: adapter.scaling)
            return
        }
        let baseResult = try dropped ? input.linear(weight: weight.value(), layout: layout) : result - bias!.value()
        let lora = try adapter.b.forward(adapter.a.forward(input))
        result = try Tensor.doraOutput(result: result, base: baseResult, lora: lora, s: s, scaling: adapter.scaling)
    }

    /// DoRA's output as the layer's own two GEMMs with the magnitude folded into their weights
    /// (`Tensor.doraLinear`), when that is the layer's whole forward: one active DoRA adapter, not
    /// merged, no dropout, no bias on B, a float32 base weight that does not train, and at least as
    /// many token rows as input features, so that the scaled weight it makes (and keeps for the
    /// backward) is no larger than the output pass and saved base output it replaces. Nil
    /// otherwise, and for a zero magnitude, whose rows the fused backward cannot see.
    private func soleDoraForward(_ x: Tensor) throws -> Tensor? {
        guard !adaptersDisabled, !isMerged, activeAdapters.count == 1, arrowRouters[activeAdapters[0]] == nil,
              let adapter = adapters[activeAdapters[0]], let magnitude = adapter.magnitude, adapter.dropout.isIdentity,
              adapter.b.bias == nil, let baseWeight = weight.tensor, !baseWeight.requiresGrad,
              x.count / Swift.max(inFeatures, 1) >= inFeatures else { return nil }
        let s = try magnitude.weight.value() / doraWeightNorm(adapter)
        guard s.withUnsafeBufferPointer({ !$0.contains(0) }) else { return nil }
        return try Tensor.doraLinear(x, weight: baseWeight, bias: bias?.value(), layout: layout, h: adapter.a.forward(x),
                                     b: adapter.b.weight.value(), s: s, scaling: adapter.scaling)
    }

    /// `‖W + scaling · B A‖` over each output row, detached (`Tensor.doraWeightNorm`).
    func doraWeightNorm(_ adapter: LoraAdapter) throws -> Tensor {
        try Tensor.doraWeightNorm(weight: weight.value(), layout: layout, a: adapter.a.weight.value(), b: adapter.b.weight.value(), scaling: adapter.scaling)
    }

    /// `‖W + delta‖` over each output row, with `delta` in `[out, in]`.
    func weightNorm(plus delta: Tensor) throws -> Tensor {
        try (outInWeight() + delta).norm(axis: 1)
    }

    /// The base weight in `[out, in]` layout.
    func outInWeight() throws -> Tensor {
        layout == .outIn ? try weight.value() : try weight.value().transposed()
    }

    /// Replaces the base weight's values by `outIn` (`[out, in]`), stored in the layer's layout: the
    /// residual an init such as PiSSA leaves in the base.
    func replaceBaseWeight(outIn: Tensor) throws {
        try GradMode.withoutGradients { try weight.value().assign(layout == .outIn ? outIn : outIn.transposed()) }
    }

    // MARK: Merging

    public func deltaWeight(of name: String) throws -> Tensor {
        guard let adapter = adapters[name] else { throw TunerError.unknownAdapter(name, available: adapterNames) }
        return try GradMode.withoutGradients { layout == .outIn ? try adapter.product() : try adapter.transposedProduct() }
    }

    public func merge(adapters requested: [String]?, safe: Bool) throws {
        try GradMode.withoutGradients {
            for name in adaptersToMerge(requested) {
                let adapter = adapters[name]!
                let delta = try deltaWeight(of: name)
                var merged = try weight.value() + delta
                var norm: Tensor?
                if let magnitude = adapter.magnitude {
                    norm = try weightNorm(plus: layout == .outIn ? delta : delta.transposed())
                    merged = try merged * doraFactor(magnitude.weight.value() / norm!)
                }
                var mergedBias: Tensor?
                if adapter.b.bias != nil {
                    guard let bias else {
                        throw TunerError.invalidState("Impossible to merge LoRA with `lora_bias=True` because the base layer has no bias.")
                    }
                    mergedBias = try bias.value() + adapter.b.bias!.value().scaled(by: adapter.scaling)
                }
                if safe, !(merged.isFinite && (mergedBias?.isFinite ?? true)) {
                    throw TunerError.brokenMerge(adapter: name, module: path)
                }
                try weight.value().assign(merged)
                if let mergedBias { try bias!.value().assign(mergedBias) }
                if let norm { normsAtMerge[name] = norm }
                mergedAdapters.append(name)
            }
        }
    }

    public func unmerge() throws {
        try GradMode.withoutGradients {
            while let name = mergedAdapters.popLast() {
                guard let adapter = adapters[name] else { continue }
                let delta = try deltaWeight(of: name)
                var restored: Tensor
                if let magnitude = adapter.magnitude, let norm = normsAtMerge.removeValue(forKey: name) {
                    restored = try weight.value() / doraFactor(magnitude.weight.value() / norm) - delta
                } else {
                    restored = try weight.value() - delta
                }
                try weight.value().assign(restored)
                if let loraBias = adapter.b.bias, let bias {
                    try bias.value().assign(bias.value() - loraBias.value().scaled(by: adapter.scaling))
                }
            }
        }
    }

    /// DoRA's per-output factor shaped to scale the base weight in its layout.
    private func doraFactor(_ factor: Tensor) throws -> Tensor {
        layout == .outIn ? try factor.reshaped([outFeatures, 1]) : factor
    }
}
