import Models
import Tensors

/// PEFT's `ModulesToSaveWrapper`: keeps the original module (`original_module`) and, per adapter, a
/// trainable copy (`modules_to_save.<adapter>`). The active adapter's copy computes the output; with
/// adapters disabled (or none active here) the original does. Saved under the original module's path.
public class ModulesToSaveWrapper: Module {
    public let original: Module
    /// The adapter whose copy is used, if any.
    public internal(set) var activeAdapter: String?
    public internal(set) var adaptersDisabled = false

    /// A wrapper that fills the slot of `original`: a tensor layer or a token embedding.
    static func wrapping(_ original: Module) -> ModulesToSaveWrapper {
        original is any TokenLayer ? TokenModulesToSaveWrapper(wrapping: original) : TensorModulesToSaveWrapper(wrapping: original)
    }

    fileprivate init(wrapping original: Module) {
        self.original = original
        super.init(kind: original.kind, typeName: "ModulesToSaveWrapper")
        register(original, as: "original_module")
        register(AdapterModuleDict(), as: "modules_to_save")
    }

    /// The copy held for `adapter`, if any.
    public func copy(for adapter: String) -> Module? { child("modules_to_save")!.child(adapter) }

    /// The adapters that have a copy here.
    public var adapterNames: [String] { child("modules_to_save")!.children.map(\.name) }

    /// Adds a fresh copy of the original for `adapter` (nothing if it has one).
    func addCopy(for adapter: String, path: String) throws {
        guard copy(for: adapter) == nil else { return }
        child("modules_to_save")!.register(try LayerCopy.copy(original, path: path), as: adapter)
    }

    func deleteCopy(for adapter: String) {
        removeEntries(of: adapter, from: ["modules_to_save"])
        if activeAdapter == adapter { activeAdapter = nil }
    }

    /// The module the forward pass uses now.
    var current: Module {
        guard !adaptersDisabled, let activeAdapter, let copy = copy(for: activeAdapter) else { return original }
        return copy
    }

}

/// A `modules_to_save` wrapper in a tensor-layer slot (a head, a norm, a projection).
final class TensorModulesToSaveWrapper: ModulesToSaveWrapper, TensorLayer {
    func forward(_ x: Tensor) throws -> Tensor {
        try (current as! any TensorLayer).forward(x)
    }
}

/// A `modules_to_save` wrapper in a token-embedding slot.
final class TokenModulesToSaveWrapper: ModulesToSaveWrapper, TokenLayer {
    func forward(ids: [Int], shape: [Int]) throws -> Tensor {
        try (current as! any TokenLayer).forward(ids: ids, shape: shape)
    }
}

/// Deep copies of the parameterised layers `modules_to_save` can hold.
enum LayerCopy {
    /// A copy of `module` with parameters of its own holding the same values.
    static func copy(_ module: Module, path: String) throws -> Module {
        let meta = ParameterFactory(.meta)
        let copy: Module
        switch module {
        case let m as Linear: copy = Linear(inFeatures: m.inFeatures, outFeatures: m.outFeatures, bias: m.bias != nil, factory: meta)
        case let m as Conv1D: copy = Conv1D(inFeatures: m.inFeatures, outFeatures: m.outFeatures, factory: meta)
        case let m as Embedding: copy = Embedding(weight: Parameter(try m.weight.value().copy()))
        case let m as LayerNorm: copy = LayerNorm(dimension: m.weight.shape[0], eps: m.eps, factory: meta)
        case let m as RMSNorm: copy = RMSNorm(dimension: m.weight.shape[0], eps: m.eps, factory: meta)
        default:
            throw TunerError.unsupportedModule(name: path, reason: "modules_to_save can copy Linear, Conv1D, Embedding and norm layers, not \(module.typeName)")
        }
        for ((name, source), (_, target)) in zip(module.parameters, copy.parameters) where target.isMeta {
            try target.assign(source.value().copy(), name: "\(path).\(name)")
        }
        return copy
    }
}
