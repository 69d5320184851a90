import Foundation
import Models
import Tensors

/// `load`, `info`, `tree`, `find`: choosing a model and looking at its module tree.
enum ModelCommands {
    static let all: [CommandSpec] = [load, info, tree, find]

    static let load: CommandSpec = CommandSpec(
        "load", usage: "load MODEL [--meta] [--from-scratch] [--dtype float32|bfloat16|float16|nf4 [--double-quant]]",
        summary: "load a model folder or builtin:NAME (--meta: config only; --from-scratch: fresh weights; --dtype: how frozen base weights are stored)",
        arguments: ["": .path]
    ) { controller, invocation in
        var invocation = invocation
        try controller.requireIdle("load")
        let meta = invocation.flag("--meta"), fromScratch = invocation.flag("--from-scratch"), doubleQuant = invocation.flag("--double-quant")
        let dtype = try invocation.option("--dtype")
        try invocation.noUnknownOptions(["--meta", "--from-scratch", "--dtype", "--double-quant"])
        let text = try invocation.arguments(1, 1, names: "MODEL (a folder with config.json, or builtin:NAME)")[0]
        if meta && fromScratch { throw invocation.error("choose --meta (no weights) or --from-scratch (fresh weights), not both") }
        let storage: BaseStorage
        do { storage = try dtype.map { try BaseStorage(parsing: $0, doubleQuantization: doubleQuant) } ?? .float32 } catch {
            throw invocation.error("--dtype: \(error)")
        }
        if doubleQuant && storage.dtype != .nf4 { throw invocation.error("--double-quant quantises nf4's absmax values; use it with --dtype nf4") }
        let workspace = try ModelWorkspace(reference: ModelReference(text), meta: meta, fromScratch: fromScratch, storage: storage)
        controller.workspace = workspace
        controller.job = nil
        if !controller.unsavedAdapters.isEmpty {
            controller.say("note: the adapters \(controller.unsavedAdapters.sorted().joined(separator: ", ")) of the previous model were not saved")
            controller.unsavedAdapters = []
        }
        let counts = workspace.model.parameterCounts()
        var note = meta ? " (meta: shapes only, no weights)" : fromScratch ? " (freshly initialised weights)" : ""
        if storage.dtype != .float32, !meta { note += "; frozen base weights stored as \(storage) (adapters train in float32)" }
        if !workspace.tokenizerSource.isAvailable { note += "; no tokenizer.json, so no text data or generation (pre-tokenised data trains)" }
        controller.say("loaded \(workspace.model.architecture) (\(workspace.model.modelType)) from \(text): \(ModuleTree.grouped(counts.total)) parameters\(note)")
        controller.say(describeSelection(controller))
    }

    /// `selects N modules (q_proj, v_proj by default)` for the current rules.
    static func describeSelection(_ controller: Controller) -> String {
        let selection = TargetSelection(controller: controller)
        if let problem = selection.problem { return "targets: none (\(problem))" }
        let rules = controller.rules.entries.isEmpty ? "PEFT's defaults for \(controller.workspace?.model.modelType ?? "the model")" : controller.rules.entries.joined(separator: ", ")
        return "targets: \(selection.names.count) modules (\(rules))"
    }

    static let info: CommandSpec = CommandSpec("info", usage: "info", summary: "the model, its adapters and what trains") { controller, invocation in
        _ = try invocation.arguments(0, 0, names: "")
        let workspace = try controller.requireWorkspace(invocation.command)
        let model = workspace.model
        var lines = ["\(model.architecture) (\(model.modelType), \(model.task.rawValue)) from \(workspace.reference)",
                     "vocabulary \(model.vocabularySize)" + (workspace.tokenizer.map { ", tokenizer with \($0.vocabularySize) tokens" } ?? ", no tokenizer"),
                     workspace.parameterSummary]
        if let peft = workspace.peft {
            lines.append("adapters: " + peft.adapterNames.map { peft.activeAdapters.contains($0) ? "\($0) (active)" : $0 }.joined(separator: ", "))
        } else {
            lines.append("adapters: none yet (`adapter new NAME`, or `train` makes one)")
        }
        lines.append("method \(controller.draft.method.name); " + describeSelection(controller))
        lines.append("compute: \(OpenBLASKernel.summary)")
        controller.say(lines.joined(separator: "\n"))
    }

    static let tree: CommandSpec = CommandSpec(
        "tree", usage: "tree [PATH] [--depth N]", summary: "the module tree (repeated blocks folded), from PATH down",
        arguments: ["": .module]
    ) { controller, invocation in
        var invocation = invocation
        let depthText = try invocation.option("--depth")
        try invocation.noUnknownOptions(["--depth"])
        let path = try invocation.arguments(0, 1, names: "PATH").first ?? ""
        let workspace = try controller.requireWorkspace(invocation.command)
        guard let module = workspace.model.module(at: path) else {
            throw invocation.error("no module \(path)" + (workspace.model.closestModuleName(to: path).map { "; did you mean \($0)?" } ?? ""))
        }
        var depth: Int?
        if let depthText {
            guard let n = Int(depthText), n >= 0 else { throw invocation.error("--depth must be a whole number ≥ 0, got \(depthText)") }
            depth = n
        }
        controller.say(ModuleTree(module, rootName: path, maxDepth: depth).rendered())
    }

    static let find: CommandSpec = CommandSpec(
        "find", usage: "find PATTERN", summary: "modules whose full name contains PATTERN (or matches it, for a regex)",
        arguments: ["": .module]
    ) { controller, invocation in
        let pattern = try invocation.arguments(1, 1, names: "PATTERN")[0]
        let workspace = try controller.requireWorkspace(invocation.command)
        let matches: [(name: String, module: Module)]
        if TargetRules.isRegex(pattern) {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { throw invocation.error("\"\(pattern)\" is not a valid regular expression") }
            matches = workspace.model.namedModules().filter { !$0.name.isEmpty && regex.firstMatch(in: $0.name, range: NSRange($0.name.startIndex..., in: $0.name)) != nil }
        } else {
            matches = workspace.model.namedModules().filter { !$0.name.isEmpty && $0.name.contains(pattern) }
        }
        guard !matches.isEmpty else { throw invocation.error("no module name contains \(pattern)") }
        let selected = controller.selection.names
        let shown = matches.prefix(60).map { name, module in
            let shapes = module.parameters.map { "\($0.name) \($0.parameter.shape)" }.joined(separator: ", ")
            return (selected.contains(name) ? "● " : "  ") + "\(name)  \(module.typeName)" + (shapes.isEmpty ? "" : "  \(shapes)")
        }
        controller.say((shown + (matches.count > 60 ? ["… and \(matches.count - 60) more"] : []) + ["\(matches.count) modules (● targeted)"]).joined(separator: "\n"))
    }
}
