import FileAccess
import Foundation
import JSON
import Tuners

/// `method` and `config set|show|unset|load|save`: the adapter config being drafted, in PEFT's keys.
enum ConfigCommands {
    static let all: [CommandSpec] = [method, config]

    static let method: CommandSpec = CommandSpec(
        "method", usage: "method " + PeftMethods.all.map(\.name).joined(separator: "|"), summary: "the PEFT method new adapters use", arguments: ["": .method]
    ) { controller, invocation in
        let name = try invocation.arguments(0, 1, names: "METHOD").first
        guard let name else {
            controller.say("method \(controller.draft.method.name)")
            return
        }
        guard let method = PeftMethods.method(named: name) else {
            throw CommandError.unknown("method", what: "method", word: name, valid: PeftMethods.all.map(\.name))
        }
        controller.draft.method = method
        let keys = Set(method.fields.map(\.key))
        controller.draft.values = controller.draft.values.filter { keys.contains($0.key) }
        var note = ""
        if let peft = controller.workspace?.peft, let other = AdapterCommands.otherMethod(peft, than: method.peftType) {
            note = "\nnote: the model holds \(other) adapters (\(peft.adapterNames.joined(separator: ", "))); PEFT cannot combine methods, so the next `train` or `adapter new` unloads them first (`save DIR` keeps them)"
        }
        controller.say("method \(method.name): `config show` lists its fields" + note)
    }

    static let config: CommandSpec = CommandSpec(
        "config", usage: "config set KEY VALUE | config show | config unset KEY | config load FILE | config save FILE",
        summary: "edit the adapter config (PEFT's adapter_config.json keys), validated as PEFT validates it",
        subcommands: ["set", "show", "unset", "load", "save"],
        arguments: ["set": .configKey, "unset": .configKey, "load": .path, "save": .path]
    ) { controller, invocation in
        var invocation = invocation
        let sub = try invocation.subcommand(["set", "show", "unset", "load", "save"])
        switch sub {
        case "set":
            let words = try invocation.arguments(2, names: "KEY and VALUE")
            try set(words[0], words: Array(words.dropFirst()), controller: controller, command: invocation.command)
            controller.say("\(words[0]) = \(displayValue(of: words[0], controller: controller))")
        case "unset":
            let key = try invocation.arguments(1, 1, names: "KEY")[0]
            _ = try controller.draft.field(key, command: invocation.command)
            if key == "target_modules" || key == "exclude_modules" {
                controller.rules = key == "target_modules" ? TargetRules(entries: [], excluded: controller.rules.excluded) : TargetRules(entries: controller.rules.entries)
            }
            controller.draft.values[key] = nil
            controller.say("\(key) = \(controller.draft.value(of: key)) (default)")
        case "show":
            _ = try invocation.arguments(0, 0, names: "")
            controller.say(show(controller))
        case "load":
            let path = try invocation.arguments(1, 1, names: "FILE (an adapter_config.json or an adapter folder)")[0]
            try load(URL(fileURLWithPath: (path as NSString).expandingTildeInPath), controller: controller)
            controller.say("loaded the config from \(path)\n" + show(controller))
        default:
            let path = try invocation.arguments(1, 1, names: "FILE (a .json file or a folder)")[0]
            let config = try controller.draftConfig()
            let url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            if url.pathExtension == "json" {
                // A new or regular file is replaced atomically; a link, device or pipe (/dev/stdout) is written through.
                let kind = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.type] as? FileAttributeType
                let atomically = kind == nil || kind == .typeRegular
                do { try Data(config.jsonText.utf8).write(to: url, options: atomically ? .atomic : []) } catch {
                    throw invocation.error("cannot write \(path): \(FileProblem.writing(url, error: error))")
                }
                controller.say("wrote \(path)")
            } else {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
                try config.write(to: url)
                controller.say("wrote \(url.appendingPathComponent(AdapterFiles.configFileName).path)")
            }
        }
    }

    /// What `config set KEY VALUE` changes: a field's value, or (for the target fields) the rules.
    enum Change: Equatable {
        case value(JSONValue)
        case rules(TargetRules)
    }

    /// What `config set key words...` would change, checked as the command checks it: a target field
    /// takes patterns that each select a module (as `target add` asks), any other field a value PEFT
    /// accepts (null only where PEFT's default is null). The config form checks what is typed with
    /// it, so the form and the command agree.
    static func change(_ key: String, words: [String], controller: Controller, command: String) throws -> Change {
        _ = try controller.draft.field(key, command: command)
        let value = ConfigDraft.parseValue(words)
        if key == "target_modules" || key == "exclude_modules" {
            // A name, or a list of names only.
            let names = value.elements.map { $0.compactMap(\.stringValue) }
            let entries = value.stringValue.map { [$0] } ?? (names?.count == value.elements?.count ? names : nil) ?? []
            guard !entries.isEmpty || value.isNull else {
                throw CommandError(command, "\(key) takes module names, a regex, or all-linear")
            }
            if entries.contains(TargetRules.allLinear), entries.count > 1 {
                throw CommandError(command, "all-linear cannot be combined with other rules; give it alone")
            }
            if let workspace = controller.workspace {
                for entry in entries {
                    let (_, problem) = try TargetCommands.select(entry, in: workspace, command: command)
                    if let problem { throw CommandError(command, "\(entry) selects no module. \(problem)") }
                }
            }
            return .rules(key == "target_modules" ? TargetRules(entries: entries, excluded: controller.rules.excluded)
                : TargetRules(entries: controller.rules.entries, excluded: entries))
        }
        if let problem = controller.draft.problem(setting: key, to: value, rules: controller.rules, totalStep: controller.training.maxSteps) {
            throw CommandError(command, problem)
        }
        return .value(value)
    }

    /// Sets a field after checking it (`change`); the target fields set the rules.
    static func set(_ key: String, words: [String], controller: Controller, command: String) throws {
        switch try change(key, words: words, controller: controller, command: command) {
        case let .rules(rules): controller.rules = rules
        case let .value(value): controller.draft.values[key] = value
        }
    }

    /// Reads an `adapter_config.json` (or the one in a folder) into the draft and the rules.
    static func load(_ url: URL, controller: Controller) throws {
        var isDirectory: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
            ? url.appendingPathComponent(AdapterFiles.configFileName) : url
        let config = try PeftConfigs.read(contentsOf: file)
        controller.draft = ConfigDraft(config)
        controller.rules = TargetRules(config.targeting.targetModules, excluding: config.targeting.excludeModules)
    }

    /// The form as text: every field with its value, `*` where it differs from PEFT's default.
    static func show(_ controller: Controller) -> String {
        let draft = controller.draft
        var lines = ["\(draft.method.name) config (* changed from PEFT's default):"]
        for field in draft.method.fields {
            let value = displayValue(of: field.key, controller: controller)
            lines.append("\(isChanged(field.key, controller: controller) ? "*" : " ") \(field.key.rightPadded(to: 20)) \(value)")
        }
        if let problem = controller.selection.problem, controller.workspace != nil { lines.append("! \(problem)") }
        return lines.joined(separator: "\n")
    }

    /// Whether a field differs from PEFT's default, as `config show` and the form mark it (`*`):
    /// the target fields when there are rules, any other when its value is not the default.
    static func isChanged(_ key: String, controller: Controller) -> Bool {
        switch key {
        case "target_modules": return !controller.rules.entries.isEmpty
        case "exclude_modules": return !controller.rules.excluded.isEmpty
        default: return controller.draft.isChanged(key)
        }
    }

    /// A field's value as the form shows it; the target fields show the rules, and AdaLoRA's
    /// `total_step` left null what a run takes for it (`max_steps`, as `draftConfig()` fills it in).
    static func displayValue(of key: String, controller: Controller) -> String {
        switch key {
        case "target_modules": return controller.rules.targetModules.map(describe) ?? "null (defaults for the model type)"
        case "exclude_modules": return controller.rules.excludeModules.map(describe) ?? "null"
        case "total_step" where controller.draft.json(of: key).isNull:
            return controller.training.maxSteps.map { "\($0) (max_steps)" } ?? "null (required: set it, or recipe set max_steps=N)"
        default: return controller.draft.value(of: key)
        }
    }

    /// `target_modules` as the form shows it.
    static func describe(_ modules: TargetModules) -> String {
        switch modules {
        case let .names(names): return names.joined(separator: ", ")
        case let .pattern(pattern): return "regex \(pattern)"
        case .allLinear: return TargetRules.allLinear
        }
    }
}
