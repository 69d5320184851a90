import Models

extension PeftConfig {
    /// Full names of the modules of `model` an adapter with this config would wrap, chosen exactly as
    /// `PeftModel` chooses them (default targets, "all-linear", excludes, layer indices), without
    /// changing the model; the owners of `target_parameters` too. Throws PEFT's error when the
    /// config selects nothing.
    public func targetedModuleNames(in model: any PretrainedModel) throws -> [String] {
        var resolved = targeting
        let modules = try PeftModel.resolveTargets(&resolved, taskType: base.taskType, in: model, allowingNone: true).map(\.key)
        let names = try modules + parameterTargets(in: model, besides: modules).map(\.key)
        if names.isEmpty { _ = try PeftModel.resolveTargets(&resolved, taskType: base.taskType, in: model) }
        return names
    }

    /// The text of `adapter_config.json` as `write(to:)` writes it (sorted keys, indent 2).
    public var jsonText: String { json.pythonJSONText() }
}
