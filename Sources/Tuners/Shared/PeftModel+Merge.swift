import Foundation
import Models

extension PeftModel {
    /// PEFT's `merge_adapter(adapter_names, safe_merge)`: folds the given (default: active) adapters
    /// into the base weights of every adapter layer. With `safeMerge` the merged weights are checked
    /// for NaN/Inf first and, on failure, every base weight is restored exactly as it was; after any
    /// other failure the layers merged by this call are unmerged again.
    ///
    /// A base weight stored as NF4 is refused (re-quantising the merged weight would round the
    /// adapter's update away, which PEFT warns of; `writeMerged` exports it in 16 or 32 bits); one
    /// stored as bf16/f16 is unpacked to float32 first, so the merge is exact and unmerging
    /// restores the dequantised values.
    public func mergeAdapter(adapterNames names: [String]? = nil, safeMerge: Bool = false) throws {
        for name in names ?? [] { try requireAdapter(name) }
        let packed = adapterLayers.flatMap { layer in layer.layer.baseLayer.namedParameters().map { (module: layer.name, parameter: $0.parameter) } }
            .filter { $0.parameter.frozen != nil }
        if let nf4 = packed.first(where: { $0.parameter.frozen?.format == .nf4 }) {
            throw TunerError.invalidState("""
                cannot merge into \(nf4.module): its base weight is stored as nf4 (4-bit), and merging would re-quantise the \
                merged weight, rounding much of the adapter's update away (PEFT warns of this). Keep the adapter unmerged, \
                export the merged model (export DIR, lorakit merge), which dequantises it into bf16 or float32
                """)
        }
        for entry in packed { entry.parameter.unpack() }
        let snapshot = safeMerge ? try adapterLayers.flatMap { try $0.layer.baseLayer.namedParameters().map { ($0.parameter, try $0.parameter.value().copy()) } } : []
        var done: [any AdapterLayer] = []
        do {
            for (_, layer) in adapterLayers {
                let before = layer.mergedAdapters.count
                try layer.merge(adapters: names ?? activeAdapters, safe: safeMerge)
                if layer.mergedAdapters.count > before { done.append(layer) }
            }
        } catch {
            for layer in done { try? layer.unmerge() }
            for (parameter, values) in snapshot { try? parameter.value().assign(values) }
            throw error
        }
    }

    /// PEFT's `unmerge_adapter()`: takes every merged adapter out of the base weights.
    public func unmergeAdapter() throws {
        for (_, layer) in adapterLayers where layer.isMerged { try layer.unmerge() }
    }

    /// PEFT's `merge_and_unload()`: merges, then puts each base layer back in its adapter layer's place
    /// and each `modules_to_save` wrapper's active copy (or original) in its place. Returns the plain
    /// model; this PeftModel then holds no adapters.
    @discardableResult
    public func mergeAndUnload(safeMerge: Bool = false, adapterNames names: [String]? = nil) throws -> any PretrainedModel {
        try mergeAdapter(adapterNames: names, safeMerge: safeMerge)
        return try unloadLayers()
    }

    /// PEFT's `unload()`: removes every adapter layer without merging; returns the base model.
    @discardableResult
    public func unload() throws -> any PretrainedModel {
        try unmergeAdapter()
        return try unloadLayers()
    }

    /// PEFT's `merge_and_unload()` followed by `save_pretrained` of the result (`MergedModelWriter`),
    /// leaving this model's adapters as they are: the active adapters are merged a layer at a time
    /// into the base weights, dequantised to float32 (nf4, bf16 and f16 alike), each merged weight
    /// is written in `dtype` and the layer put back as it was before the next (packed weights bit
    /// for bit), so the export needs about one weight in float32 beyond the model. Layers already
    /// merged are written as they are. `safeMerge` checks each merged weight for NaN/Inf first.
    /// Returns the names of the files written.
    @discardableResult
    public func writeMerged(to directory: URL, configFrom source: URL, dtype: ExportDType = .float32, safeMerge: Bool = false) throws -> [String] {
        let merge = LayerwiseMerge(layers: adapterLayers, adapters: activeAdapters, safe: safeMerge, dtype: dtype)
        let displaced = try placeBaseModules()
        defer { putBack(displaced) }
        return try MergedModelWriter.write(model, configFrom: source, to: directory, dtype: dtype, values: merge.value(of:))
    }

    /// Puts each adapter layer's base layer, and each `modules_to_save` wrapper's active copy (or
    /// its original), in its place, as `unload()` leaves the model; returns the modules displaced
    /// with their names, in the order they were replaced (putting them back in that order restores
    /// the tree). After an error the tree is as it was.
    private func placeBaseModules() throws -> [(name: String, module: Module)] {
        var displaced: [(name: String, module: Module)] = []
        do {
            for (name, layer) in adapterLayers {
                try model.replaceModule(at: name, with: layer.baseLayer)
                displaced.append((name, layer))
            }
            for (name, wrapper) in modulesToSaveWrappers {
                try model.replaceModule(at: name, with: wrapper.activeAdapter.flatMap(wrapper.copy(for:)) ?? wrapper.original)
                displaced.append((name, wrapper))
            }
        } catch {
            putBack(displaced)
            throw error
        }
        return displaced
    }

    /// Puts the modules `placeBaseModules()` displaced back in its order.
    private func putBack(_ displaced: [(name: String, module: Module)]) {
        for (name, module) in displaced { try? model.replaceModule(at: name, with: module) }
    }

    private func unloadLayers() throws -> any PretrainedModel {
        _ = try placeBaseModules()
        configs = [:]
        adapterNames = []
        activeAdapters = []
        trainableAdapters = []
        targetedModuleNames = []
        for (_, parameter) in model.namedParameters() { parameter.requiresGrad = false }
        return model
    }
}
