import Models

extension LoraConfig {
    /// The type name PEFT gives a LoRA layer made for `target_parameters`.
    static let parameterWrapperTypeName = "lora.ParamWrapper"

    /// PEFT's `_inject_parameters` matching: a parameter whose name (with `.base_layer` left out)
    /// equals a `target_parameters` entry or ends with `"." + entry` selects the module that owns it.
    /// lorakit wraps the weight of a `Linear` (what PEFT 0.21 accepts as a plain parameter); other
    /// owners are refused with what to use instead, and so is a module of `moduleTargets` (the ones
    /// `target_modules` selected).
    public func parameterTargets(in model: any PretrainedModel, besides moduleTargets: [String]) throws -> [(key: String, module: Module)] {
        guard let names = targetParameters, !names.isEmpty else { return [] }
        let modules = model.namedModules()
        let adapterPaths = modules.filter { $0.module is any AdapterLayer }.map(\.name)
        var targets: [(key: String, module: Module)] = []
        for (path, module) in modules where !path.isEmpty {
            let owner = path.hasSuffix(".base_layer") ? String(path.dropLast(".base_layer".count)) : path
            if adapterPaths.contains(where: { path.hasPrefix($0 + ".") && owner != $0 }) { continue }
            for (parameterName, _) in module.parameters where Self.matches("\(owner).\(parameterName)", names) {
                let target = try parameterTarget(owner: owner, parameterName: parameterName, model: model, targetedAsModule: moduleTargets.contains(owner))
                if !targets.contains(where: { $0.key == owner }) { targets.append((owner, target)) }
            }
        }
        return targets
    }

    /// Whether the module `key` is wrapped for `target_parameters` (its `weight` is named there).
    func wrapsParameter(ofModule key: String) -> Bool {
        guard let names = targetParameters else { return false }
        return Self.matches("\(key).weight", names)
    }

    private static func matches(_ key: String, _ names: [String]) -> Bool {
        names.contains { key == $0 || key.hasSuffix("." + $0) }
    }

    /// The module that owns the targeted parameter, checked: a Linear's weight, or a LoRA layer made
    /// for `target_parameters` around one (another adapter of the same parameters).
    private func parameterTarget(owner: String, parameterName: String, model: any PretrainedModel, targetedAsModule: Bool) throws -> Module {
        guard let module = model.module(at: owner) else { throw TunerError.invalidState("\(owner) vanished while matching target_parameters") }
        if let layer = module as? LoraLinear, layer.typeName == Self.parameterWrapperTypeName, parameterName == "weight", !targetedAsModule { return layer }
        if module is any AdapterLayer || targetedAsModule {
            let typeName = targetedAsModule && !(module is any AdapterLayer) ? "lora.Linear" : module.typeName
            throw TunerError.invalidValue(field: "target_parameters", reason: "Trying to wrap an `nn.Parameter` of layer '\(owner)' of type \(typeName), which is not a valid target. Make sure that this layer is not also targeted with `target_modules`. For some models, PEFT will do this automatically, try setting `target_modules=[]` to prevent it.")
        }
        guard module is Linear, parameterName == "weight" else {
            throw TunerError.notYetSupported("target_parameters on \(owner).\(parameterName) (\(module.typeName)); lorakit applies target_parameters to the weight of a Linear layer; for this module use target_modules")
        }
        return module
    }
}
