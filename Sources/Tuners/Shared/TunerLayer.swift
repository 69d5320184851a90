import Models
import Tensors

/// PEFT's `BaseTunerLayer` around a layer with a weight matrix (`Linear`, or transformers' `Conv1D`
/// where the method allows it), written once for every method: the base layer is the child
/// `base_layer`; each adapter's tensors live in named containers keyed by adapter name
/// (`lora_A`, `hada_w1_a`, ...), so parameter names read as in PEFT. Deleting an adapter, its
/// parameters, and merging and unmerging through `deltaWeight(of:)` are done here; a method
/// supplies its forward, its delta weight and `forgetAdapter(_:)` for its own per-adapter state.
public class TunerLayer: Module, AdapterLayer {
    public let baseLayer: Module
    /// The full name of the wrapped module.
    public let path: String
    /// How the base weight is stored: `.outIn` for Linear, `.inOut` for Conv1D.
    public let layout: WeightLayout
    public let inFeatures: Int, outFeatures: Int
    public internal(set) var adapterNames: [String] = []
    public var activeAdapters: [String] = []
    public var adaptersDisabled = false
    public internal(set) var mergedAdapters: [String] = []
    /// The base layer's weight and bias.
    let weight: Parameter
    let bias: Parameter?
    /// The containers keyed by adapter name, in the order their parameters are listed.
    let containerNames: [String]

    /// Wraps `base` for the method `method` (named in errors). `moduleDicts` and `parameterDicts`
    /// are the method's containers; `acceptsConv1D` whether the method adapts transformers' `Conv1D`.
    init(wrapping base: Module, path: String, typeName: String, method: String, moduleDicts: [String] = [], parameterDicts: [String] = [],
         acceptsConv1D: Bool) throws {
        switch base {
        case let linear as Linear:
            (layout, inFeatures, outFeatures, weight, bias) = (.outIn, linear.inFeatures, linear.outFeatures, linear.weight, linear.bias)
        case let conv as Conv1D where acceptsConv1D:
            (layout, inFeatures, outFeatures, weight, bias) = (.inOut, conv.inFeatures, conv.outFeatures, conv.weight, conv.bias)
        default:
            let kinds = acceptsConv1D ? "Linear and Conv1D" : "Linear"
            throw TunerError.unsupportedModule(name: path, reason: "Target module \(path) (\(base.typeName)) is not supported by \(method). Currently, only \(kinds) layers are supported; remove it from target_modules")
        }
        baseLayer = base
        self.path = path
        containerNames = moduleDicts + parameterDicts
        super.init(kind: base.kind, typeName: typeName)
        register(base, as: "base_layer")
        for name in moduleDicts { register(AdapterModuleDict(), as: name) }
        for name in parameterDicts { register(AdapterParameterDict(), as: name) }
    }

    /// Records `name` as an adapter of this layer (once).
    func addAdapterName(_ name: String) {
        if !adapterNames.contains(name) { adapterNames.append(name) }
    }

    /// The base layer's output.
    func baseForward(_ x: Tensor) throws -> Tensor {
        guard let layer = baseLayer as? any TensorLayer else { throw TunerError.invalidState("\(path) does not map tensors to tensors") }
        return try layer.forward(x)
    }

    /// The base weight when a full-rank update can be added to it before the product, `x (W + ΔW)ᵀ`,
    /// which then runs once forward and once for the input gradient instead of twice each (the same
    /// values within float32 rounding): a float32 weight (in `layout`) that does not train, with the
    /// adapters enabled and not merged; nil otherwise.
    var foldableBaseWeight: Tensor? {
        guard !adaptersDisabled, !isMerged, let base = weight.tensor, !base.requiresGrad else { return nil }
        return base
    }

    public func adapterParameters(of adapter: String) -> [(name: String, parameter: Parameter)] {
        containerNames.flatMap { container -> [(name: String, parameter: Parameter)] in
            guard let dict = child(container) else { return [] }
            if let parameter = dict.parameter(adapter) { return [("\(container).\(adapter)", parameter)] }
            return (dict.child(adapter)?.namedParameters() ?? []).map { ("\(container).\(adapter).\($0.name)", $0.parameter) }
        }
    }

    /// The method's own state of `name` goes; called by `deleteAdapter`. The default keeps nothing.
    func forgetAdapter(_ name: String) {}

    public func deleteAdapter(_ name: String) {
        activeAdapters.removeAll { $0 == name }
        guard adapterNames.contains(name) else { return }
        adapterNames.removeAll { $0 == name }
        removeEntries(of: name, from: containerNames)
        forgetAdapter(name)
    }

    /// PEFT's `get_delta_weight`; every method overrides it.
    public func deltaWeight(of adapter: String) throws -> Tensor {
        throw TunerError.invalidState("\(typeName) has no delta weight")
    }

    /// PEFT's `merge`: `W += ΔW` for each adapter to merge; with `safe`, a non-finite result changes nothing.
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

    /// PEFT's `unmerge`: `W -= ΔW` for every merged adapter, last merged first.
    public func unmerge() throws {
        try GradMode.withoutGradients {
            while let name = mergedAdapters.popLast() {
                guard adapterNames.contains(name) else { continue }
                try weight.value().assign(weight.value() - deltaWeight(of: name))
            }
        }
    }

    /// Throws PEFT's error for an adapter this layer does not hold.
    func require(_ adapter: String) throws {
        guard adapterNames.contains(adapter) else { throw TunerError.unknownAdapter(adapter, available: adapterNames) }
    }
}

extension Module {
    /// Removes the entry `adapter` from each of the named adapter containers (children keyed by
    /// adapter name), rebuilding a container that holds it.
    func removeEntries(of adapter: String, from containers: [String]) {
        for name in containers {
            switch child(name) {
            case let dict as AdapterModuleDict where dict.child(adapter) != nil: try? replaceChild(name, with: dict.removing(adapter))
            case let dict as AdapterParameterDict where dict.parameter(adapter) != nil: try? replaceChild(name, with: dict.removing(adapter))
            default: break
            }
        }
    }
}

extension Tensor {
    /// Whether every element is finite (no NaN, no infinity).
    var isFinite: Bool { withUnsafeBufferPointer { $0.allSatisfy(\.isFinite) } }
}
