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
        let workspace = try controller.requireWorkspace(invocation.command, needs: sub == "list" ? [] : .idle)
        var rules = controller.rules
        var lines: [String] = []
        if sub == "add" || sub == "remove", rules.entries.isEmpty, let defaults = explicitDefaults(controller, workspace) {
            rules.entries = defaults
            lines.append("PEFT's default targets for \(workspace.model.modelType) are now rules: \(defaults.joined(separator: ", ")) (`target only` replaces them, `undo` takes this back)")
        }
        switch sub {
        case "add", "only":
            let patterns = try invocation.arguments(1, names: "PATTERN (a module name, a suffix such as q_proj, a regex, or all-linear)")
            if sub == "only" { rules = TargetRules() }
            for pattern in patterns {
                let (selected, problem) = try TargetCommands.select(pattern, in: workspace, command: invocation.command)
                if let problem { throw invocation.error("\(pattern) selects no module. \(problem)") }
                if rules.excluded.contains(pattern), rules.unexclude(pattern),
                   Set(selected).isSubset(of: TargetSelection(controller: controller, rules: rules).names) {
                    lines.append("+ \(pattern): no longer excluded")
                } else if try rules.add(pattern) {
                    lines.append("+ \(pattern): selects \(selected.count) modules")
                } else {
                    lines.append("  \(pattern) is already a rule")
                }
            }
        case "remove":
            for pattern in try invocation.arguments(1, names: "PATTERN") {
                let selected = Set(try TargetCommands.select(pattern, in: workspace, command: invocation.command).names)
                if rules.remove(pattern) {
                    lines.append("- \(pattern)")
                } else if let same = try rules.entries.first(where: { Set(try TargetCommands.select($0, in: workspace, command: invocation.command).names) == selected }),
                          !selected.isEmpty, rules.remove(same) {
                    lines.append("- \(same)")
                } else {
                    guard !selected.isEmpty else {
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

    /// The modules `pattern` alone selects, by PEFT's rules, with PEFT's message when none.
    static func select(_ pattern: String, in workspace: ModelWorkspace, command: String) throws -> (names: [String], problem: String?) {
        var config = LoraConfig()
        config.targetModules = TargetRules.modules([pattern])
        do {
            return (try config.targetedModuleNames(in: workspace.model), nil)
        } catch let TunerError.noMatchingModules(message) {
            return ([], message)
        } catch {
            throw CommandError(command, "\(error)")
        }
    }

    /// Rules that select what PEFT's default targets select now (the modules' last names, or their
    /// full names when those select more), so that editing the targets starts from the defaults
    /// instead of dropping them; nil when the defaults select nothing.
    static func explicitDefaults(_ controller: Controller, _ workspace: ModelWorkspace) -> [String]? {
        let selected = TargetSelection(controller: controller).names
        guard !selected.isEmpty else { return nil }
        var suffixes: [String] = []
        for name in selected.sorted() {
            let last = String(name.split(separator: ".").last ?? Substring(name))
            if !suffixes.contains(last) { suffixes.append(last) }
        }
        let same = TargetSelection(controller: controller, rules: TargetRules(entries: suffixes, excluded: controller.rules.excluded)).names == selected
        return same ? suffixes : selected.sorted()
    }
}
