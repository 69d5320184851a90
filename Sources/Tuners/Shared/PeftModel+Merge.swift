import Models

extension PeftModel {
    /// PEFT's `merge_adapter(adapter_names, safe_merge)`: folds the given (default: active) adapters
    /// into the base weights of every adapter layer. With `safeMerge` the merged weights are checked
    /// for NaN/Inf first and, on failure, every base weight is restored exactly as it was; after any
    /// other failure the layers merged by this call are unmerged again.
    ///
    /// A base weight stored as NF4 is refused (re-quantising the merged weight would round the
    /// adapter's update away, which PEFT warns of) unless `dequantizingNF4` (an export, which
    /// writes the merged weights in 16 or 32 bits): then, like one stored as bf16/f16, it is
    /// unpacked to float32 first, so the merge is exact and unmerging restores the dequantised values.
    public func mergeAdapter(adapterNames names: [String]? = nil, safeMerge: Bool = false, dequantizingNF4: Bool = false) throws {
        for name in names ?? [] { try requireAdapter(name) }
        let packed = adapterLayers.flatMap { layer in layer.layer.baseLayer.namedParameters().map { (module: layer.name, parameter: $0.parameter) } }
            .filter { $0.parameter.frozen != nil }
        if !dequantizingNF4, let nf4 = packed.first(where: { $0.parameter.frozen?.format == .nf4 }) {
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
    /// model; this PeftModel then holds no adapters. `dequantizingNF4` as for `mergeAdapter`.
    @discardableResult
    public func mergeAndUnload(safeMerge: Bool = false, adapterNames names: [String]? = nil, dequantizingNF4: Bool = false) throws -> any PretrainedModel {
        try mergeAdapter(adapterNames: names, safeMerge: safeMerge, dequantizingNF4: dequantizingNF4)
        return try unloadLayers()
    }

    /// PEFT's `unload()`: removes every adapter layer without merging; returns the base model.
    @discardableResult
    public func unload() throws -> any PretrainedModel {
        try unmergeAdapter()
        return try unloadLayers()
    }

    private func unloadLayers() throws -> any PretrainedModel {
        for (name, layer) in adapterLayers { try model.replaceModule(at: name, with: layer.baseLayer) }
        for (name, wrapper) in modulesToSaveWrappers {
            try model.replaceModule(at: name, with: wrapper.activeAdapter.flatMap(wrapper.copy(for:)) ?? wrapper.original)
        }
        configs = [:]
        adapterNames = []
        activeAdapters = []
        trainableAdapters = []
        targetedModuleNames = []
        for (_, parameter) in model.namedParameters() { parameter.requiresGrad = false }
        return model
    }
}
