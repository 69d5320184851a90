import Models

extension PeftModel {
    /// PEFT's `inject_adapter` followed by `set_additional_trainable_modules`: matches the config's
    /// targets against every module name, wraps them, wraps `modules_to_save`, and updates which
    /// parameters train. Nothing changes if the config is invalid or selects nothing.
    func inject(_ name: String, config original: any PeftConfig, activate: Bool) throws {
        guard configs[name] == nil else { throw TunerError.duplicateAdapter(name) }
        if let other = configs.values.first, other.peftType != original.peftType {
            throw TunerError.invalidValue(field: "peft_type", reason: "Cannot combine adapters with different peft types. Found \(other.peftType.rawValue) and \(original.peftType.rawValue).")
        }
        if original.biasMode != .none, let other = configs.first(where: { $0.value.biasMode != .none }) {
            throw TunerError.invalidValue(field: "bias", reason: "only one adapter may train biases (\(other.key) has bias=\"\(other.value.biasMode.rawValue)\"); set bias to \"none\" for \(name)")
        }
        var config = original
        try config.validate()
        try config.checkCompatible(with: configs)
        if config.base.taskType == .sequenceClassification {
            config.targeting.modulesToSave = (config.targeting.modulesToSave ?? []) + ["classifier", "score"]
        }
        let restoreModel = try config.prepareModel(model)
        let moduleTargets: [(key: String, module: Module)], targets: [(key: String, module: Module)]
        do {
            moduleTargets = try Self.resolveTargets(&config.targeting, taskType: config.base.taskType, in: model, allowingNone: true)
            targets = try moduleTargets + config.parameterTargets(in: model, besides: moduleTargets.map(\.key))
            if targets.isEmpty { _ = try Self.resolveTargets(&config.targeting, taskType: config.base.taskType, in: model) }
        } catch {
            try restoreModel?()
            throw error
        }
        let tokensPlan: TrainableTokensPlan?
        do {
            tokensPlan = try config.trainableTokenIndices.map {
                try trainableTokensPlan($0, modulesToSave: config.targeting.modulesToSave, moduleTargets: targets.map(\.key))
            }
        } catch {
            try restoreModel?()
            throw error
        }
        try config.prepareSharedTensors(for: targets, generator: &generator)
        let beforeAdding = config
        var created: [(key: String, layer: any AdapterLayer)] = []
        do {
            for (key, module) in targets {
                // A layer whose adapters were all deleted is rebuilt around its base layer, so that
                // an adapter of another method can wrap the module.
                let target = (module as? any AdapterLayer).flatMap { $0.adapterNames.isEmpty ? $0.baseLayer : nil } ?? module
                if let layer = try config.addAdapter(name, to: target, key: key, generator: &generator) {
                    created.append((key, layer))
                }
            }
            for (key, layer) in created { try model.replaceModule(at: key, with: layer) }
            if let tokensPlan { try applyTrainableTokens(tokensPlan, adapter: name) }
        } catch {
            for (_, module) in targets { (module as? any AdapterLayer)?.deleteAdapter(name) }
            try restoreModel?()
            throw error
        }
        for correction in config.corrections(from: beforeAdding) { note(correction) }
        if !config.unknownKeys.isEmpty {
            note("adapter config keys unknown to PEFT \(PeftBaseFields.compatiblePeftVersion) were kept but not used: \(config.unknownKeys.joined(separator: ", "))")
        }
        configs[name] = config
        adapterNames.append(name)
        for (key, _) in moduleTargets where !targetedModuleNames.contains(key) { targetedModuleNames.append(key) }
        trainableAdapters.insert(name)
        if config.base.inferenceMode { trainableAdapters.remove(name) }
        if activate { activeAdapters = [name] }
        for (_, layer) in adapterLayers { layer.activeAdapters = activeAdapters }
        try wrapModulesToSave(config.targeting.modulesToSave ?? [], adapter: name, activate: activate)
        updateTrainability()
    }

    /// Fills in the default targets (none given) or expands "all-linear" in `config`, condenses a
    /// long list of names as PEFT does, then returns the modules of `model` it targets, with PEFT's
    /// errors when there are none. With `allowingNone`, selecting nothing is no error (parameters
    /// may be targeted instead).
    static func resolveTargets(_ config: inout TargetingFields, taskType: TaskType?, in model: any PretrainedModel,
                               allowingNone: Bool = false) throws -> [(key: String, module: Module)] {
        if config.targetModules == nil { config.targetModules = try DefaultTargetModules.targets(modelType: model.modelType) }
        if config.targetModules == .allLinear { config.targetModules = .names(allLinearNames(in: model, taskType: taskType)) }
        if case let .names(names)? = config.targetModules {
            config.targetModules = .names(try MinimalTargetModules.condense(names, moduleNames: model.namedModules().map(\.name)))
        }
        return try selectTargets(config, in: model, allowingNone: allowingNone)
    }

    /// The modules `config` targets, with PEFT's errors when there are none (unless `allowingNone`).
    private static func selectTargets(_ config: TargetingFields, in model: any PretrainedModel, allowingNone: Bool) throws -> [(key: String, module: Module)] {
        let matcher = try TargetMatcher(config)
        let modules = model.namedModules()
        let adapterPrefixes = modules.filter { $0.module is any AdapterLayer }.map { $0.name + "." }
        var targets: [(key: String, module: Module)] = [], excluded = 0, unmatched = 0
        for (key, module) in modules where !key.isEmpty && !adapterPrefixes.contains(where: key.hasPrefix) {
            switch matcher.outcome(for: key) {
            case .targeted: targets.append((key, module))
            case .excluded: excluded += 1
            case .unmatched: unmatched += 1
            }
        }
        guard targets.isEmpty, !allowingNone else { return targets }
        var note = ""
        if let layers = config.layersToTransform { note += " Note: You specified 'layers_to_transform': \(layers)." }
        if let pattern = config.layersPattern { note += " You also specified 'layers_pattern': \(pattern)." }
        if excluded > 0 && unmatched == 0 {
            throw TunerError.noMatchingModules("All modules were excluded. This is likely unintended. Check your `target_modules`, `exclude_modules` and `modules_to_save` configuration.")
        }
        if excluded == 0, case let .names(names)? = config.targetModules, names.isEmpty {
            throw TunerError.noMatchingModules("No `target_modules` passed but also no `target_parameters` found. Please check the values for these arguments.")
        }
        if excluded == 0 {
            throw TunerError.noMatchingModules("Target modules \(Self.describe(config.targetModules)) not found in the base model. Please check the target modules and try again." + note + closeNames(to: config.targetModules, among: modules.map(\.name)))
        }
        throw TunerError.noMatchingModules("No modules were targeted for adaptation. This might be caused by a combination of mismatched target modules and excluded modules. Please check your `target_modules` and `exclude_modules` configuration. You may also have only targeted modules that are marked to be saved (`modules_to_save`)." + note)
    }

    /// PEFT's `_maybe_include_all_linear_layers`: every Linear/Conv1D (or LoRA layer around one) except
    /// the output layer, and nothing inside an adapter layer.
    private static func allLinearNames(in model: any PretrainedModel, taskType: TaskType?) -> [String] {
        let modules = model.namedModules()
        let insideAdapters = modules.filter { $0.module is any AdapterLayer }.map { $0.name + "." }
        var excluded = Set<String>()
        if model.task == .causalLM || taskType == .sequenceClassification { excluded.formUnion(model.outputLayerNames) }
        return modules.filter { name, module in
            module.kind.isLinearLike && !(module is ModulesToSaveWrapper) && !excluded.contains(name)
                && !insideAdapters.contains(where: name.hasPrefix)
        }.map(\.name)
    }

    /// " Close module names: ..." for each listed target that matched nothing.
    private static func closeNames(to targets: TargetModules?, among names: [String]) -> String {
        guard case let .names(wanted)? = targets else { return "" }
        let lastComponents = Array(Set(names.compactMap { $0.split(separator: ".").last.map(String.init) })).sorted()
        let hints = wanted.compactMap { target in
            EditDistance.suggestion(for: target, among: lastComponents).map { "\(target) → \($0)" }
        }
        return hints.isEmpty ? "" : " Close module names: \(hints.joined(separator: ", "))."
    }

    /// `{'q_proj', 'v_proj'}` or the regex, as PEFT prints `target_modules`.
    static func describe(_ targets: TargetModules?) -> String {
        switch targets {
        case let .names(names)?: return "{" + names.map { "'\($0)'" }.joined(separator: ", ") + "}"
        case let .pattern(pattern)?: return pattern
        case .allLinear?: return TargetModules.allLinearShorthand
        case nil: return "None"
        }
    }

    /// PEFT's `_set_trainable`: every module whose full name ends in one of `names` gets a
    /// `ModulesToSaveWrapper` (or a copy for `adapter` in the one it has). A wrapped container has each
    /// of its parameterised layers wrapped instead (saved under the same keys as PEFT's one copy).
    private func wrapModulesToSave(_ names: [String], adapter: String, activate: Bool) throws {
        guard !names.isEmpty else { return }
        for (key, module) in model.namedModules() where !key.isEmpty && names.contains(where: key.hasSuffix) {
            if module is ModulesToSaveWrapper || module.namedModules().dropFirst().contains(where: { $0.module is ModulesToSaveWrapper }) {
                for (path, wrapper) in modulesToSaveWrappers where path == key || path.hasPrefix(key + ".") {
                    try wrapper.addCopy(for: adapter, path: path)
                    if activate { wrapper.activeAdapter = adapter }
                }
                continue
            }
            guard !(model.module(at: key.split(separator: ".").dropLast().joined(separator: ".")) is ModulesToSaveWrapper),
                  !(module is any AdapterLayer) else { continue }
            let leaves = module is any TensorLayer || module is any TokenLayer
                ? [(key, module)]
                : module.namedModules(prefix: key).filter { !$0.module.parameters.isEmpty && ($0.module is any TensorLayer || $0.module is any TokenLayer) }
            for (path, leaf) in leaves {
                let wrapper = ModulesToSaveWrapper.wrapping(leaf)
                try wrapper.addCopy(for: adapter, path: path)
                if activate { wrapper.activeAdapter = adapter }
                try model.replaceModule(at: path, with: wrapper)
            }
        }
    }
}
