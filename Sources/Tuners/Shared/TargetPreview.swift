import Models

extension PeftConfig {
    /// Full names of the modules of `model` an adapter with this config would wrap, chosen exactly as
    /// `PeftModel` chooses them (default targets, "all-linear", excludes, layer indices), without
    /// changing the model. Throws PEFT's error when the config selects nothing.
    public func targetedModuleNames(in model: any PretrainedModel) throws -> [String] {
        var resolved = targeting
        return try PeftModel.resolveTargets(&resolved, taskType: base.taskType, in: model).map(\.key)
    }

    /// The text of `adapter_config.json` as `write(to:)` writes it (sorted keys, indent 2).
    public var jsonText: String { json.pythonJSONText() }
}
