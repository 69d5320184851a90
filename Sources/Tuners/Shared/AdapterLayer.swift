import Models
import Tensors

/// A module that wraps a base layer (kept as its `base_layer` child) and holds any number of named
/// adapters, as PEFT's `BaseTunerLayer`: which adapters are active, whether all are disabled, which
/// are merged into the base weight.
public protocol AdapterLayer: Module {
    /// The wrapped module.
    var baseLayer: Module { get }
    /// The adapters this layer holds, in the order they were added.
    var adapterNames: [String] { get }
    /// The adapters that take part in the forward pass.
    var activeAdapters: [String] { get set }
    /// When true the layer computes exactly its base layer (`disable_adapter`).
    var adaptersDisabled: Bool { get set }
    /// Adapters merged into the base weight, in merge order.
    var mergedAdapters: [String] { get }
    /// The parameters of `adapter`, with names relative to this layer (`lora_A.default.weight`).
    func adapterParameters(of adapter: String) -> [(name: String, parameter: Parameter)]
    /// Merges `adapters` (default: the active ones not yet merged) into the base weight; with
    /// `safe`, checks the result for NaN/Inf before changing anything.
    func merge(adapters: [String]?, safe: Bool) throws
    /// Takes every merged adapter out of the base weight again.
    func unmerge() throws
    /// Removes `adapter`; the layer keeps wrapping its base layer even with no adapter left.
    func deleteAdapter(_ adapter: String)
    /// The name under which the adapter parameter `relativeName` (from `adapterParameters(of:)`) is
    /// saved, relative to the layer: the adapter name removed, as PEFT's `_remove_adapter_name_from_key`.
    func savedName(of relativeName: String, adapter: String) -> String
    /// PEFT's `get_delta_weight`: the change `adapter` makes to the base weight, in its layout.
    func deltaWeight(of adapter: String) throws -> Tensor
}

extension AdapterLayer {
    public func savedName(of relativeName: String, adapter: String) -> String {
        AdapterFiles.removingAdapterName(relativeName, adapter: adapter)
    }

    /// Whether any adapter is merged.
    public var isMerged: Bool { !mergedAdapters.isEmpty }

    /// The adapters `merge(adapters:)` acts on: the given ones (or the active ones) not merged yet.
    func adaptersToMerge(_ requested: [String]?) -> [String] {
        (requested ?? activeAdapters).filter { adapterNames.contains($0) && !mergedAdapters.contains($0) }
    }

    /// PEFT's forward of a tuner layer: with adapters disabled, the base output (unmerging first if
    /// needed); when merged, the base output alone; otherwise the base output with each active
    /// adapter's contribution added by `update` (which gets the adapter name and the running result,
    /// and leaves it alone for an adapter that adds nothing here).
    func adaptedForward(base: () throws -> Tensor, update: (String, inout Tensor) throws -> Void) throws -> Tensor {
        if adaptersDisabled {
            if isMerged { try unmerge() }
            return try base()
        }
        var result = try base()
        guard !isMerged else { return result }
        for name in activeAdapters { try update(name, &result) }
        return result
    }
}
