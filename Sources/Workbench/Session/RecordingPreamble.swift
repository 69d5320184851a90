import Foundation

/// The command lines that bring a fresh session to the state a recording starts from: the model
/// (also when it was loaded implicitly, by `--model` or the built-in default), the data, the method,
/// the config values, the training settings changed from the workbench's defaults, the target rules
/// and the theme. A recorded script then replays on its own.
enum RecordingPreamble {
    static func lines(for controller: Controller) -> [String] {
        guard let workspace = controller.workspace else { return [] }
        var lines = ["# the session's state when the recording started"]
        let flag = workspace.isMeta ? " --meta" : workspace.isFromScratch ? " --from-scratch" : ""
        lines.append("load \(CommandWords.quoted(workspace.reference.description))\(flag)")
        if let data = controller.dataSource { lines.append("data load \(CommandWords.quoted(data))") }
        if controller.draft.method != .lora { lines.append("method \(controller.draft.method.name)") }
        for (key, value) in controller.draft.values.sorted(by: { $0.key < $1.key }) {
            lines.append("config set \(key) \(CommandWords.quoted(value.description))")
        }
        let training = controller.training
        for key in training.partial.values.keys.sorted() where training.partial[key] != TrainingSettings.defaultRecipe[key] {
            lines.append("recipe set " + CommandWords.quoted("\(key)=\(training.value(of: key) ?? "")"))
        }
        let rules = controller.rules
        if !rules.entries.isEmpty { lines.append("target only " + rules.entries.map(CommandWords.quoted).joined(separator: " ")) }
        for excluded in rules.excluded { lines.append("target remove \(CommandWords.quoted(excluded))") }
        if controller.theme.name != Theme.builtinDefault.name { lines.append("theme \(CommandWords.quoted(controller.theme.name))") }
        if let peft = workspace.peft, !peft.adapterNames.isEmpty {
            lines.append("# adapters in the session then (not recreated here): \(peft.adapterNames.joined(separator: ", "))")
        }
        return lines + ["# recorded commands"]
    }
}
