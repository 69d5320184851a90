import Foundation
import Models
import Tuners

/// `adapter new|use|list|delete|load`, `save`, `merge`, `unmerge`, `export`: the adapters on the
/// loaded model, through `PeftModel`.
enum AdapterCommands {
    static let all: [CommandSpec] = [adapter, save, merge, unmerge, export, InspectCommands.inspect]

    static let adapter: CommandSpec = CommandSpec(
        "adapter", usage: "adapter new NAME | adapter use NAME | adapter list | adapter delete NAME | adapter load DIR [NAME] | "
            + AdapterArithmeticCommands.combineUsage + " | " + AdapterArithmeticCommands.reduceUsage + " | " + AdapterArithmeticCommands.arrowUsage,
        summary: "create, switch, list, delete, load, combine, intruder-reduce and Arrow-route adapters",
        subcommands: ["new", "use", "list", "delete", "load", "combine", "reduce-intruders", "arrow"],
        arguments: ["use": .adapter, "delete": .adapter, "load": .path, "arrow": .adapter]
    ) { controller, invocation in
        var invocation = invocation
        let sub = try invocation.subcommand(["new", "use", "list", "delete", "load", "combine", "reduce-intruders", "arrow"])
        let workspace = try controller.requireWorkspace(invocation.command, needs: sub == "list" ? [] : .idle)
        switch sub {
        case "new":
            let name = try invocation.arguments(1, 1, names: "NAME")[0]
            try create(name, in: workspace, controller: controller, command: invocation.command)
        case "use":
            let name = try invocation.arguments(1, 1, names: "NAME")[0]
            let peft = try workspace.requirePeft(invocation.command, holding: name)
            try peft.setAdapter(name)
            controller.say("active adapter: \(name)\n\(peft.trainableParametersSummary)")
        case "delete":
            let name = try invocation.arguments(1, 1, names: "NAME")[0]
            let peft = try workspace.requirePeft(invocation.command, holding: name)
            try peft.deleteAdapter(name)
            controller.unsavedAdapters.remove(name)
            controller.adapterRecipes[name] = nil
            if peft.adapterNames.isEmpty {
                // The last adapter gone, its wrappers come off too, so any method can adapt the model again.
                try peft.unload()
                workspace.peft = nil
                controller.say("deleted \(name); no adapters left, the model is as loaded")
            } else {
                controller.say("deleted \(name); active: \(peft.activeAdapters.joined(separator: ", ").ifEmpty("none"))")
            }
        case "combine":
            try AdapterArithmeticCommands.combine(&invocation, workspace: workspace, controller: controller)
        case "reduce-intruders":
            try AdapterArithmeticCommands.reduceIntruders(&invocation, workspace: workspace, controller: controller)
        case "arrow":
            try AdapterArithmeticCommands.arrow(&invocation, workspace: workspace, controller: controller)
        case "load":
            let words = try invocation.arguments(1, 2, names: "DIR (a PEFT adapter folder)")
            try workspace.requireWeights(invocation.command)
            let directory = try AdapterFolder.resolve(URL(fileURLWithPath: (words[0] as NSString).expandingTildeInPath))
            let name = words.count > 1 ? words[1] : (workspace.peft == nil ? AdapterFiles.defaultAdapterName : directory.lastPathComponent)
            if let peft = workspace.peft {
                try peft.loadAdapter(directory: directory, name: name, isTrainable: true)
                try peft.setAdapter(name)
            } else {
                workspace.peft = try PeftModel.fromPretrained(workspace.model, directory: directory, adapterName: name, isTrainable: true)
            }
            let peft = workspace.peft!
            for warning in peft.warnings { controller.say("note: \(warning)") }
            controller.say("loaded \(name) from \(directory.path) (active): \(peft.wrappedModuleNames(of: name).count) modules\n\(peft.trainableParametersSummary)")
        default:
            _ = try invocation.arguments(0, 0, names: "")
            guard let peft = workspace.peft, !peft.adapterNames.isEmpty else {
                controller.say("no adapters yet; `adapter new NAME` makes one from the config")
                return
            }
            let merged = Set(peft.adapterLayers.flatMap(\.layer.mergedAdapters))
            controller.say(peft.adapterNames.map { name in
                let marks = (peft.activeAdapters.contains(name) ? " active" : "") + (merged.contains(name) ? " merged" : "")
                let place = peft.isArrowRouter(name) ? "Arrow router" : "\(peft.wrappedModuleNames(of: name).count) modules"
                return "\(peft.activeAdapters.contains(name) ? "*" : " ") \(name)  \(describe(peft.configs[name]!))  \(place)\(marks)"
                    + (controller.adapterRecipes[name].map { "  (\($0))" } ?? "")
            }.joined(separator: "\n"))
        }
    }

    /// Creates an adapter from the draft config and makes it the active one.
    static func create(_ name: String, in workspace: ModelWorkspace, controller: Controller, command: String) throws {
        try workspace.requireWeights(command)
        let config = try controller.draftConfig()
        if let peft = workspace.peft, let other = otherMethod(peft, than: config.peftType) {
            // PEFT cannot combine methods on one model: the old adapters' wrappers come off first.
            let names = peft.adapterNames
            let unsaved = names.filter(controller.unsavedAdapters.contains)
            try peft.unload()
            workspace.peft = nil
            controller.unsavedAdapters.subtract(names)
            controller.say("unloaded the \(other) adapters \(names.joined(separator: ", ")) (PEFT cannot combine methods on one model)"
                + (unsaved.isEmpty ? "" : "; not saved: \(unsaved.joined(separator: ", "))"))
        }
        if let peft = workspace.peft {
            try peft.addAdapter(name, config: config)
            try peft.setAdapter(name)
        } else {
            workspace.peft = try PeftModel(model: workspace.model, config: config, adapterName: name, seed: UInt64(controller.training.values["seed"].flatMap(UInt64.init) ?? 42))
        }
        let peft = workspace.peft!
        controller.unsavedAdapters.insert(name)
        for warning in peft.warnings { controller.say("note: \(warning)") }
        controller.say("adapter \(name) (active): \(describe(config)) on \(peft.wrappedModuleNames(of: name).count) modules\n\(peft.trainableParametersSummary)")
    }

    /// The method of `peft`'s adapters when it is not `peftType`'s (lowercased), else nil.
    static func otherMethod(_ peft: PeftModel, than peftType: PeftType) -> String? {
        let types = Set(peft.configs.values.map(\.peftType))
        guard let other = types.first(where: { $0 != peftType }) else { return nil }
        return other.rawValue.lowercased()
    }

    /// The method's summary of its settings: `r=8 alpha=16`, `loha r=8 alpha=8`, AdaLoRA's `adalora r 12→8 over 60 steps`.
    static func describe(_ config: any PeftConfig) -> String {
        config.summary
    }

    static let save: CommandSpec = CommandSpec(
        "save", usage: "save DIR [--convert-from INIT_DIR]",
        summary: "write every adapter as PEFT's save_pretrained does (others in DIR/NAME); --convert-from: a PiSSA/OLoRA/LoRA-GA adapter as a plain rank-2r LoRA for the original base",
        arguments: ["": .path]
    ) { controller, invocation in
        var invocation = invocation
        let initial = try invocation.option("--convert-from")
        try invocation.noUnknownOptions(["--convert-from"])
        let path = try invocation.arguments(1, 1, names: "DIR")[0]
        let (workspace, peft) = try controller.requireAdapters(invocation.command, needs: .idle)
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        if let initial {
            let name = try saveConverted(peft, to: url, initial: URL(fileURLWithPath: (initial as NSString).expandingTildeInPath), invocation)
            controller.unsavedAdapters.remove(name)
            controller.say("saved \(name) to \(path) as a plain LoRA of rank 2r for the original base (converted with the initial adapter \(initial), as save_pretrained(path_initial_model_for_weight_conversion=...) does)")
            return
        }
        try WriteInterruption.catching { try peft.savePretrained(directory: url) }
        let saved = peft.adapterNames.filter { !peft.isArrowRouter($0) }
        controller.unsavedAdapters.subtract(saved)
        controller.say(saved.map { name in
            "saved \(name) to \(name == AdapterFiles.defaultAdapterName ? path : "\(path)/\(name)")"
        }.joined(separator: "\n") + (saved.count > 1 ? "\n(PEFT's layout: the default adapter at the top, others in a sub-folder of their name; `adapter load \(path)/NAME` loads one)" : ""))
    }

    /// `save DIR --convert-from INIT_DIR`: the one adapter, saved to a scratch folder and converted
    /// by `InitialAdapterConversion` (as `lorakit convert`) into `url`. Returns the adapter's name.
    private static func saveConverted(_ peft: PeftModel, to url: URL, initial: URL, _ invocation: Invocation) throws -> String {
        guard peft.adapterNames.count == 1, let name = peft.adapterNames.first else {
            throw invocation.error("--convert-from converts one adapter, and the session has \(peft.adapterNames.joined(separator: ", ")); `adapter delete` the others first")
        }
        guard !FileManager.default.fileExists(atPath: url.path) else { throw invocation.error("\(url.path) exists; the converted adapter goes to a new folder") }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorakit-convert-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try peft.saveAdapter(name, to: scratch)
        try InitialAdapterConversion.convert(initial: initial, trained: scratch, out: url)
        return name
    }

    static let merge: CommandSpec = CommandSpec("merge", usage: "merge", summary: "fold the active adapters into the base weights (undo with unmerge)") { controller, invocation in
        _ = try invocation.arguments(0, 0, names: "")
        let peft = try controller.requireAdapters(invocation.command, needs: .idle).peft
        try peft.mergeAdapter(safeMerge: true)
        controller.say("merged \(peft.activeAdapters.joined(separator: ", ")) into the base weights of \(peft.adapterLayers.count) modules")
    }

    static let unmerge: CommandSpec = CommandSpec("unmerge", usage: "unmerge", summary: "take merged adapters out of the base weights again") { controller, invocation in
        _ = try invocation.arguments(0, 0, names: "")
        let peft = try controller.requireAdapters(invocation.command, needs: .idle).peft
        guard peft.adapterLayers.contains(where: { $0.layer.isMerged }) else { throw invocation.error("nothing is merged") }
        try peft.unmergeAdapter()
        controller.say("unmerged; the base weights are as loaded")
    }

    static let export: CommandSpec = CommandSpec(
        "export", usage: "export DIR [--dtype float32|bfloat16|float16]",
        summary: "write the model with the active adapters merged in (a transformers checkpoint; --dtype: default the checkpoint's own)",
        arguments: ["": .path]
    ) { controller, invocation in
        var invocation = invocation
        let dtypeText = try invocation.option("--dtype")
        try invocation.noUnknownOptions(["--dtype"])
        let path = try invocation.arguments(1, 1, names: "DIR")[0]
        let (workspace, peft) = try controller.requireAdapters(invocation.command, needs: [.idle, .weights])
        let dtype: ExportDType
        do { dtype = try dtypeText.map(ExportDType.init(parsing:)) ?? ExportDType.ofCheckpoint(in: workspace.reference.directory) } catch {
            throw invocation.error("--dtype: \(error)")
        }
        let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        let written = try WriteInterruption.catching { try peft.writeMerged(to: url, configFrom: workspace.reference.directory, dtype: dtype, safeMerge: true) }
        controller.say("wrote the model with \(peft.activeAdapters.joined(separator: ", ")) merged to \(path) as \(dtype.rawValue) (\(written.joined(separator: ", "))); the session keeps its adapters")
    }
}

extension String {
    /// `replacement` when the string is empty.
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
