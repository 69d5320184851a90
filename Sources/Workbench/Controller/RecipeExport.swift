import Foundation
import JSON
import Training

/// The session as a recipe YAML that `lorakit train` runs headless with the same result: the loaded
/// model (and how it was loaded), the data, the adapter config being drafted (inline, as PEFT's
/// `adapter_config.json` keys) and the training settings.
enum RecipeExport {
    /// The keys written before the training settings, in this order; the adapter config comes last.
    static let sessionKeyOrder = ["model", "from_scratch", "base_dtype", "double_quant", "data"]

    /// The session's recipe, checked as a run checks it, and what the user should know about it (a
    /// trained adapter is not in it). The run writes to `outputDirectory`, else to the settings'
    /// `output_dir`, else to a new run folder.
    static func recipe(_ controller: Controller, command: String, outputDirectory: URL? = nil) throws -> (recipe: PartialRecipe, notes: [String]) {
        let workspace = try controller.requireWorkspace(command)
        var recipe = controller.training.partial
        if let outputDirectory { recipe["output_dir"] = .string(outputDirectory.path) }
        if recipe["output_dir"] == nil { recipe["output_dir"] = .string(TrainingCommands.newRunDirectory(controller, adapter: "recipe").path) }
        let reference = workspace.reference.description
        recipe["model"] = .string(reference.hasPrefix("builtin:") ? reference : workspace.reference.directory.standardizedFileURL.path)
        var notes: [String] = []
        if workspace.isFromScratch {
            recipe["from_scratch"] = .bool(true)
            if let seed = recipe["seed"], seed != .int(42) {
                notes.append("the workbench initialised the model with seed 42, the recipe initialises it with its seed \(seed)")
            }
        }
        if workspace.storage.dtype != .float32 {
            recipe["base_dtype"] = .string(workspace.storage.dtype.rawValue)
            if workspace.storage.doubleQuantization { recipe["double_quant"] = .bool(true) }
        }
        recipe["data"] = .string(controller.dataSource ?? DataCommands.defaultSource)
        // Paths made absolute, so the recipe runs from any folder.
        for key in recipe.values.keys where key == "data" || key.hasSuffix("_dir") || key.hasSuffix("_data") {
            if let path = recipe[key]?.stringValue { recipe[key] = .string(absolute(path)) }
        }
        recipe["adapter"] = try controller.draftConfig().json
        do { _ = try Recipe(recipe, source: TrainingSettings.source) } catch let error as RecipeError {
            throw CommandError(command, error.message)
        }
        if let peft = workspace.peft, !peft.adapterNames.isEmpty {
            notes.append("the recipe makes a fresh \(controller.draft.method.name) adapter from the config; to go on training the session's adapter, `save DIR` it and set the recipe's adapter: to DIR")
        }
        return (recipe, notes)
    }

    /// The recipe's text (`recipe(_:command:outputDirectory:)` as YAML), and the notes.
    static func yaml(_ controller: Controller, command: String, outputDirectory: URL? = nil) throws -> (text: String, notes: [String]) {
        let (session, notes) = try recipe(controller, command: command, outputDirectory: outputDirectory)
        let settings = TrainingSettings.formFields.map(\.key)
        let others = session.values.keys.filter { !sessionKeyOrder.contains($0) && !settings.contains($0) && $0 != "adapter" }.sorted()
        let header = "# A lorakit recipe written by the workbench's `recipe save`; run it with `lorakit train FILE`.\n"
        return (header + session.yaml(order: sessionKeyOrder + settings + others + ["adapter"]), notes)
    }

    /// A file path made absolute; `builtin:` names as they are.
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("builtin:") || path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: (path as NSString).expandingTildeInPath).standardizedFileURL.path
    }
}
