import Models

extension PeftModel {
    /// PEFT's `add_adapter(name, config)`: injects another adapter; it is not made active.
    public func addAdapter(_ name: String, config: any PeftConfig) throws {
        try inject(name, config: config, activate: false)
    }

    /// PEFT's `set_adapter(name)`: makes `name` the only active adapter and marks it trainable.
    public func setAdapter(_ name: String) throws {
        try setAdapters([name])
    }

    /// `base_model.set_adapter([names])`: several adapters active at once (their updates add up).
    /// Merged adapters are unmerged first, as PEFT does.
    public func setAdapters(_ names: [String]) throws {
        for name in names { try requireAdapter(name) }
        for (name, wrapper) in modulesToSaveWrappers where names.filter({ wrapper.adapterNames.contains($0) }).count > 1 {
            throw TunerError.invalidState("only one adapter with a modules_to_save copy of \(name) can be active at a time")
        }
        for (name, layer) in adapterLayers where layer is TrainableTokensWrapper && names.filter(layer.adapterNames.contains).count > 1 {
            throw TunerError.invalidState("Only one adapter can be set at a time for the trainable tokens of \(name), got \(names.filter(layer.adapterNames.contains).count)")
        }
        for (_, layer) in adapterLayers where layer.isMerged { try layer.unmerge() }
        activeAdapters = names
        deletedActiveAdapter = nil
        trainableAdapters.formUnion(names)
        for (_, layer) in adapterLayers { layer.activeAdapters = names }
        for (_, wrapper) in modulesToSaveWrappers { wrapper.activeAdapter = names.first { wrapper.adapterNames.contains($0) } }
        updateTrainability()
    }

    /// PEFT's `disable_adapter_layers`: the model computes its base output (a merged adapter is taken
    /// out of the weights at the next forward pass).
    public func disableAdapters() {
        setAdaptersDisabled(true)
    }

    /// PEFT's `enable_adapter_layers`.
    public func enableAdapters() {
        setAdaptersDisabled(false)
    }

    /// PEFT's `with model.disable_adapter():`: runs `body` with the adapters disabled.
    public func withAdaptersDisabled<R>(_ body: () throws -> R) rethrows -> R {
        let previous = adaptersDisabled
        setAdaptersDisabled(true)
        defer { setAdaptersDisabled(previous) }
        return try body()
    }

    private func setAdaptersDisabled(_ disabled: Bool) {
        adaptersDisabled = disabled
        for (_, layer) in adapterLayers { layer.adaptersDisabled = disabled }
        for (_, wrapper) in modulesToSaveWrappers { wrapper.adaptersDisabled = disabled }
        updateTrainability()
    }

    /// PEFT's `delete_adapter(name)`. If `name` was active, the new active adapters are chosen as
    /// PEFT chooses them: from the first adapter layer in module order (its other active adapters,
    /// else the first of its remaining adapters by name). If that leaves none active while adapters
    /// remain, `forward` refuses until `setAdapter` names one.
    public func deleteAdapter(_ name: String) throws {
        try requireAdapter(name)
        if let merged = adapterLayers.first(where: { $0.layer.mergedAdapters.contains(name) }) {
            throw TunerError.invalidState("cannot delete adapter \(name) while it is merged (in \(merged.name)); call unmergeAdapter first")
        }
        var chosen: [String]?
        for (_, layer) in adapterLayers {
            let wasActive = layer.activeAdapters.contains(name)
            layer.deleteAdapter(name)
            if wasActive && layer.activeAdapters.isEmpty, let first = layer.adapterNames.sorted().first {
                layer.activeAdapters = [first]
            }
            if chosen == nil { chosen = layer.activeAdapters }
        }
        for (_, wrapper) in modulesToSaveWrappers {
            wrapper.deleteCopy(for: name)
            if wrapper.activeAdapter == nil { wrapper.activeAdapter = chosen?.first { wrapper.adapterNames.contains($0) } }
        }
        configs[name] = nil
        adapterNames.removeAll { $0 == name }
        trainableAdapters.remove(name)
        if activeAdapters.contains(name) {
            activeAdapters = chosen ?? []
            if activeAdapters.isEmpty && !adapterNames.isEmpty { deletedActiveAdapter = name }
        }
        updateTrainability()
    }

    /// Sets `requiresGrad` on every parameter as PEFT leaves it: only the active, trainable adapters'
    /// tensors (their trainable shared tensors included) and `modules_to_save` copies train (nothing while adapters are disabled), plus the
    /// base biases the active adapters' `bias` mode selects.
    func updateTrainability() {
        let named = model.namedParameters()
        for (_, parameter) in named { parameter.requiresGrad = false }
        let training = adaptersDisabled ? [] : activeAdapters.filter(trainableAdapters.contains)
        for (_, layer) in adapterLayers {
            for adapter in training { for (_, parameter) in layer.adapterParameters(of: adapter) { parameter.requiresGrad = true } }
        }
        for adapter in training {
            for shared in configs[adapter]?.sharedTensors ?? [] where shared.trains { shared.parameter.requiresGrad = true }
        }
        for (_, wrapper) in modulesToSaveWrappers {
            if let active = wrapper.activeAdapter, training.contains(active), let copy = wrapper.copy(for: active) {
                for (_, parameter) in copy.namedParameters() { parameter.requiresGrad = true }
            }
        }
        for adapter in activeAdapters {
            switch configs[adapter]?.biasMode ?? .none {
            case .none: break
            case .all:
                for (name, parameter) in named where name == "bias" || name.hasSuffix(".bias") { parameter.requiresGrad = true }
            case .loraOnly:
                for (_, layer) in adapterLayers { layer.baseLayer.parameter("bias")?.requiresGrad = true }
            }
        }
    }

    /// PEFT's `get_nb_trainable_parameters()`: parameters that train, and all parameters (adapters
    /// and `modules_to_save` copies included, shared ones once).
    public var trainableParameterCounts: TrainableParameterCounts {
        let counts = model.parameterCounts()
        return TrainableParameterCounts(trainable: counts.trainable, total: counts.total)
    }

    /// PEFT's `print_trainable_parameters()` line.
    public var trainableParametersSummary: String { trainableParameterCounts.summary }

    /// The parameters an optimizer should update, with their full names.
    public var trainableParameters: [(name: String, parameter: Parameter)] {
        model.namedParameters().filter(\.parameter.requiresGrad)
    }
}
