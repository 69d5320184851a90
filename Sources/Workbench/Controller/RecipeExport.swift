import Foundation

/// The session as a recipe YAML that `lorakit train` runs headless with the same result: the loaded
/// model (and how it was loaded), the data, the adapter config being drafted (inline, as PEFT's
/// `adapter_config.json` keys) and the training settings.
enum RecipeExport {
    /// The recipe's text, and what the user should know about it (a trained adapter is not in it).
    /// The run writes to `outputDirectory`, else to the settings' `output_dir`, else to a new run folder.
    static func yaml(_ controller: Controller, command: String, outputDirectory: URL? = nil) throws -> (text: String, notes: [String]) {
        let workspace = try controller.requireWorkspace(command)
        let reference = workspace.reference.description.hasPrefix("builtin:") ? workspace.reference.description : workspace.reference.directory.standardizedFileURL.path
        var training = controller.training
        if let outputDirectory { training.values["output_dir"] = outputDirectory.path }
        if training.values["output_dir"] == nil { training.values["output_dir"] = TrainingCommands.newRunDirectory(controller, adapter: "recipe").path }
        // The recipe must be one a run takes, as `train` checks it.
        _ = try training.recipe(model: reference, data: controller.dataSource ?? DataCommands.defaultSource, outputDirectory: "")
        let settings = training.values
        var lines = ["# A lorakit recipe written by the workbench's `recipe save`; run it with `lorakit train FILE`.",
                     "model: \(quoted(reference))"]
        var notes: [String] = []
        if workspace.isFromScratch {
            lines.append("from_scratch: true")
            if settings["seed"] != "42" {
                notes.append("the workbench initialised the model with seed 42, the recipe initialises it with its seed \(settings["seed"] ?? "42")")
            }
        }
        if workspace.storage.dtype != .float32 {
            lines.append("base_dtype: \(workspace.storage.dtype.rawValue)")
            if workspace.storage.doubleQuantization { lines.append("double_quant: true") }
        }
        lines.append("data: \(quoted(absolute(controller.dataSource ?? DataCommands.defaultSource)))")
        let order = TrainingSettings.formFields.map(\.key)
        let keys = settings.keys.sorted { (order.firstIndex(of: $0) ?? order.count, $0) < (order.firstIndex(of: $1) ?? order.count, $1) }
        for key in keys {
            let value = settings[key] ?? ""
            lines.append("\(key): \(key.hasSuffix("_dir") || key.hasSuffix("_data") ? quoted(absolute(value)) : value)")
        }
        let config = try controller.draftConfig()
        lines.append("adapter: " + indented(config.jsonText))
        if let peft = workspace.peft, !peft.adapterNames.isEmpty {
            notes.append("the recipe makes a fresh \(controller.draft.method.name) adapter from the config; to go on training the session's adapter, `save DIR` it and set the recipe's adapter: to DIR")
        }
        return (lines.joined(separator: "\n") + "\n", notes)
    }

    /// `text` as a YAML double-quoted scalar (JSON's quoting, which YAML reads the same).
    static func quoted(_ text: String) -> String { ConfigDraft.jsonText(text) }

    /// A file path made absolute (so the recipe runs from any folder); `builtin:` names as they are.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("builtin:") || path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL.path
    }

    /// A JSON object on indented lines, as a YAML flow mapping under a top-level key.
    static func indented(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return json
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return lines.enumerated().map { $0.offset == 0 ? String($0.element) : "  " + $0.element }.joined(separator: "\n")
    }
}
