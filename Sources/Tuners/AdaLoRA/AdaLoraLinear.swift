import Models
import Tensors

/// AdaLoRA around a `Linear` (`[out, in]` weight) or a transformers `Conv1D` (`[in, out]`), PEFT's
/// `SVDLinear`: `y = base(x) + (dropout(x) (A ⊙ E)ᵀ) Bᵀ · scaling / (ranknum + 1e-5)` for every
/// active adapter. The base layer is the child `base_layer`; each adapter's tensors live in the
/// parameter dicts `lora_A`, `lora_E`, `lora_B` and `ranknum`, its dropout in `lora_dropout`.
public final class AdaLoraLinear: Module, TensorLayer, AdapterLayer {
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
    private var triplets: [String: AdaLoraTriplet] = [:]
    private let weight: Parameter
    private static let dictionaryNames = ["lora_A", "lora_E", "lora_B", "ranknum"]

    /// Wraps `base`, a `Linear` or `Conv1D`, with no adapter yet.
    init(wrapping base: Module, path: String) throws {
        switch base {
        case let linear as Linear: (layout, inFeatures, outFeatures, weight) = (.outIn, linear.inFeatures, linear.outFeatures, linear.weight)
        case let conv as Conv1D: (layout, inFeatures, outFeatures, weight) = (.inOut, conv.inFeatures, conv.outFeatures, conv.weight)
        default:
            throw TunerError.unsupportedModule(name: path, reason: "Target module \(path) (\(base.typeName)) is not supported. Currently, only Linear and Conv1D layers are supported by AdaLoRA")
        }
        baseLayer = base
        self.path = path
        super.init(kind: base.kind, typeName: "adalora.SVDLinear")
        register(base, as: "base_layer")
        register(AdapterModuleDict(), as: "lora_dropout")
        for name in Self.dictionaryNames { register(AdapterParameterDict(), as: name) }
    }

    /// Adds (or, with the same name, replaces) the adapter `name`.
    func add(_ name: String, _ triplet: AdaLoraTriplet) {
        if triplets[name] != nil { removeTensors(of: name) } else { adapterNames.append(name) }
        triplets[name] = triplet
        if child("lora_dropout")!.child(name) == nil { child("lora_dropout")!.register(triplet.dropout, as: name) }
        for (dictionary, parameter) in zip(Self.dictionaryNames, [triplet.a, triplet.e, triplet.b, triplet.ranknum]) {
            child(dictionary)!.register(parameter, as: name)
        }
    }

    func triplet(_ name: String) -> AdaLoraTriplet? { triplets[name] }

    /// The current rank of `adapter` (rows of its `lora_A`).
    public func rank(of adapter: String) -> Int? { triplets[adapter]?.rank }

    /// The trainable, saved tensors of `adapter`: `lora_A`, `lora_E`, `lora_B` (not `ranknum`).
    public func adapterParameters(of adapter: String) -> [(name: String, parameter: Parameter)] {
        guard let triplet = triplets[adapter] else { return [] }
        return [("lora_A.\(adapter)", triplet.a), ("lora_E.\(adapter)", triplet.e), ("lora_B.\(adapter)", triplet.b)]
    }

    public func deleteAdapter(_ name: String) {
        activeAdapters.removeAll { $0 == name }
        guard triplets[name] != nil else { return }
        removeTensors(of: name)
        triplets[name] = nil
        adapterNames.removeAll { $0 == name }
        removeEntries(of: name, from: ["lora_dropout"])
    }

    private func removeTensors(of name: String) {
        removeEntries(of: name, from: Self.dictionaryNames)
    }

    // MARK: Forward

    public func forward(_ x: Tensor) throws -> Tensor {
        try adaptedForward(base: { try (baseLayer as! any TensorLayer).forward(x) }) { name, result in
            guard let triplet = triplets[name], triplet.rank > 0 else { return }
            result = try result + triplet.update(triplet.dropout.forward(x))
        }
    }

    // MARK: Merging

    public func deltaWeight(of name: String) throws -> Tensor {
        guard let triplet = triplets[name] else { throw TunerError.unknownAdapter(name, available: adapterNames) }
        guard triplet.rank > 0 else { return Tensor.zeros(weight.shape) }
        return try GradMode.withoutGradients { try triplet.delta(layout: layout) }
    }

    public func merge(adapters requested: [String]?, safe: Bool) throws {
        try GradMode.withoutGradients {
            for name in adaptersToMerge(requested) {
                let merged = try weight.value() + deltaWeight(of: name)
                if safe, !merged.isFinite { throw TunerError.brokenMerge(adapter: name, module: path) }
                try weight.value().assign(merged)
                mergedAdapters.append(name)
            }
        }
    }

    public func unmerge() throws {
        try GradMode.withoutGradients {
            while let name = mergedAdapters.popLast() {
                guard triplets[name] != nil else { continue }
                try weight.value().assign(weight.value() - deltaWeight(of: name))
            }
        }
    }
}
