import Foundation
import Tuners

/// `inspect [MODULE]`: the adapter inspector in the command language. With no module, a table of
/// every module of the adapter; with one, its singular values, `‖ΔW‖` against `‖W‖` and the
/// intruder scan in detail. A combined or reduced adapter is compared with what it was made from.
enum InspectCommands {
    static let usage = "inspect [MODULE] [--adapter NAME] [--top-k K] [--epsilon E]"

    static let inspect: CommandSpec = CommandSpec(
        "inspect", usage: usage,
        summary: "an adapter's rank, scaling, |dW| vs |W|, singular values and intruders per module (i in the TUI)",
        arguments: ["": .module]
    ) { controller, invocation in
        var invocation = invocation
        let adapter = try invocation.option("--adapter")
        let topK = try invocation.option("--top-k").map { text -> Int in
            guard let value = Int(text), value >= 0 else { throw invocation.error("--top-k needs a whole number, 0 or more, not \"\(text)\"") }
            return value
        } ?? 10
        let epsilon = try invocation.option("--epsilon").map { text -> Float in
            guard let value = Float(text), value.isFinite else { throw invocation.error("--epsilon needs a number, not \"\(text)\"") }
            return value
        } ?? 0.5
        try invocation.noUnknownOptions(["--adapter", "--top-k", "--epsilon"])
        let module = try invocation.arguments(0, 1, names: "MODULE").first
        let inspections = try inspections(controller, adapter: adapter, modules: module.map { [$0] }, topK: topK, epsilon: epsilon)
        if module == nil, let first = inspections.first {
            let made = controller.adapterRecipes[first.adapter].map { " (\($0))" } ?? ""
            controller.say("adapter \(first.adapter)\(made), \(inspections.count) modules\n" + InspectionReport.table(inspections))
        } else {
            controller.say(inspections.flatMap(InspectionReport.details).joined(separator: "\n"))
        }
    }

    /// The inspection of `adapter` (default: the active one) on `modules` (default: all of its),
    /// compared with the adapters its recipe names where they are still loaded. What the command and
    /// the TUI's inspector view show.
    static func inspections(_ controller: Controller, adapter: String?, modules: [String]?, topK: Int = 10, epsilon: Float = 0.5) throws -> [ModuleInspection] {
        let peft = try controller.requireAdapters("inspect", needs: [.idle, .weights], holding: adapter).peft
        guard let name = adapter ?? peft.activeAdapters.first else { throw CommandError("inspect", "no adapter is active; say which with --adapter NAME") }
        if peft.isArrowRouter(name) {
            throw CommandError("inspect", "\(name) is an Arrow router with no weights of its own; inspect one of its experts with --adapter NAME")
        }
        let before = controller.adapterRecipes[name]?.sources.filter { peft.adapterNames.contains($0.adapter) } ?? []
        return try peft.inspect(name, modules: modules, before: before, topK: topK, epsilon: epsilon)
    }
}
