import Tuners

/// `target add|remove|only|list|clear`: which modules the adapter wraps, by PEFT's rules.
enum TargetCommands {
    static let all: [CommandSpec] = [target]

    static let target: CommandSpec = CommandSpec(
        "target", usage: "target add|remove|only PATTERN... | target list | target clear",
        summary: "choose the modules to adapt: names, suffixes (self_attn.q_proj), a regex, or all-linear",
        subcommands: ["add", "remove", "only", "list", "clear"], arguments: ["add": .module, "remove": .module, "only": .module]
    ) { controller, invocation in
        var invocation = invocation
        let sub = try invocation.subcommand(["add", "remove", "only", "list", "clear"])
        let workspace = try controller.requireWorkspace(invocation.command)
        if sub != "list" { try controller.requireIdle(invocation.command) }
        var rules = controller.rules
        var lines: [String] = []
        switch sub {
        case "add", "only":
            let patterns = try invocation.arguments(1, names: "PATTERN (a module name, a suffix such as q_proj, a regex, or all-linear)")
            if sub == "only" { rules = TargetRules() }
            for pattern in patterns {
                let (selected, problem) = try TargetCommands.count(pattern, in: workspace, command: invocation.command)
                if let problem { throw invocation.error("\(pattern) selects no module. \(problem)") }
                if try rules.add(pattern) { lines.append("+ \(pattern): selects \(selected) modules") } else { lines.append("  \(pattern) is already a rule") }
            }
        case "remove":
            for pattern in try invocation.arguments(1, names: "PATTERN") {
                if rules.remove(pattern) {
                    lines.append("- \(pattern)")
                } else {
                    guard try TargetCommands.count(pattern, in: workspace, command: invocation.command).count > 0 else {
                        throw CommandError.unknown(invocation.command, what: "rule", word: pattern, valid: rules.entries.isEmpty ? ["(no rules yet)"] : rules.entries)
                    }
                    rules.exclude(pattern)
                    lines.append("- \(pattern) (excluded)")
                }
            }
        case "clear":
            _ = try invocation.arguments(0, 0, names: "")
            rules = TargetRules()
            lines.append("rules cleared")
        default:
            _ = try invocation.arguments(0, 0, names: "")
        }
        controller.rules = rules
        let selection = TargetSelection(controller: controller)
        if sub == "list" {
            for entry in rules.entries { lines.append("  \(entry)") }
            for entry in rules.excluded { lines.append("  not \(entry)") }
            if rules.entries.isEmpty { lines.append("  (no rules: PEFT's defaults for \(workspace.model.modelType))") }
            lines += selection.names.sorted().map { "  ● \($0)" }
        }
        lines.append(selection.problem.map { "targets: none (\($0))" } ?? "targets: \(selection.names.count) modules")
        controller.say(lines.joined(separator: "\n"))
    }

    /// How many modules `pattern` alone selects, by PEFT's rules, with PEFT's message when none.
    static func count(_ pattern: String, in workspace: ModelWorkspace, command: String) throws -> (count: Int, problem: String?) {
        var config = LoraConfig()
        config.targetModules = TargetRules.modules([pattern])
        do {
            return (try config.targetedModuleNames(in: workspace.model).count, nil)
        } catch let TunerError.noMatchingModules(message) {
            return (0, message)
        } catch {
            throw CommandError(command, "\(error)")
        }
    }
}
