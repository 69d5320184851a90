import Foundation
import Models
import Tuners

/// The adapter config being edited: the values the user set (JSON text by PEFT key) over the
/// method's defaults. It becomes a validated `LoraConfig` with the target rules filled in, and
/// reports PEFT's validation messages for a value before it is accepted.
public struct ConfigDraft: Equatable, Sendable {
    public internal(set) var method = PeftMethod.lora
    /// The names of the methods `method` chooses from (every registered one).
    static var methodNames: [String] { PeftMethods.all.map(\.name) }

    /// Values the user set, as JSON text, by key.
    public internal(set) var values: [String: String] = [:]

    /// The text of `key`'s current value (the default if unset).
    public func value(of key: String) -> String {
        values[key] ?? method.fields.first { $0.key == key }?.defaultValue ?? "null"
    }

    /// The field `key`, or an error with the closest field name.
    func field(_ key: String, command: String) throws -> ConfigField {
        guard let field = method.fields.first(where: { $0.key == key }) else {
            throw CommandError.unknown(command, what: "\(method.name) config key", word: key, valid: method.fields.map(\.key))
        }
        return field
    }

    /// JSON text for what the user typed after `config set KEY`: one JSON value as written
    /// (`16`, `true`, `["a","b"]`, `null`), a bare word as a string, several words as a list (unless
    /// together they are one JSON list or object).
    static func parseValue(_ words: [String]) -> String {
        func one(_ word: String) -> Any {
            (try? JSONSerialization.jsonObject(with: Data(word.utf8), options: [.fragmentsAllowed])) ?? word
        }
        // Words that together are one JSON list or object (`[[0, 2], [1, 2]]` typed with spaces) are that value.
        if words.count > 1, let whole = try? JSONSerialization.jsonObject(with: Data(words.joined(separator: " ").utf8)),
           whole is [Any] || whole is [String: Any] {
            return jsonText(whole)
        }
        return jsonText(words.count == 1 ? one(words[0]) : words.map(one))
    }

    /// The words of a value typed into the config form, split as `config set` splits them (`null`
    /// when empty, as the form sends it).
    static func words(typed text: String) throws -> [String] {
        let words = try CommandWords.split(text)
        return words.isEmpty ? ["null"] : words
    }

    /// A Foundation JSON value as compact JSON text.
    static func jsonText(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes]) else {
            return "null"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The config: the draft's values, the target rules, the model's task when none is set, and
    /// (AdaLoRA) `total_step` from the run's `max_steps` when none is set; validated as PEFT
    /// validates it. Errors name the field.
    func peftConfig(rules: TargetRules, task: ModelTask?, totalStep: Int?) throws -> any PeftConfig {
        var members = values
        members["peft_type"] = Self.jsonText(method.peftType.rawValue)
        if let task, values["task_type"] == nil { members["task_type"] = Self.jsonText(task.rawValue) }
        members["target_modules"] = rules.targetModules.map(Self.jsonText(targets:)) ?? "null"
        members["exclude_modules"] = rules.excludeModules.map(Self.jsonText(targets:)) ?? "null"
        let text = "{" + members.sorted { $0.key < $1.key }.map { "\(Self.jsonText($0.key)): \($0.value)" }.joined(separator: ", ") + "}"
        let source = "the \(method.name) config"
        do {
            return try PeftConfigs.read(jsonData: Data(text.utf8), source: source, totalStepIfMissing: totalStep)
        } catch let TunerError.invalidConfig(path, reason) where path == source {
            throw ConfigProblem(description: reason)
        }
    }

    /// The `target_modules` JSON for a rule set.
    private static func jsonText(targets: TargetModules) -> String {
        switch targets {
        case let .names(names): return jsonText(names)
        case let .pattern(pattern): return jsonText(pattern)
        case .allLinear: return jsonText(TargetRules.allLinear)
        }
    }

    /// The validation message for the draft with `key` set to `text`, or nil when it is valid.
    public func problem(setting key: String, to text: String, rules: TargetRules, totalStep: Int?) -> String? {
        var candidate = self
        candidate.values[key] = text
        do {
            _ = try candidate.peftConfig(rules: rules, task: nil, totalStep: totalStep)
            return nil
        } catch {
            return "\(error)"
        }
    }
}

/// A config value PEFT refuses, described as PEFT describes it (`r: ...`).
struct ConfigProblem: Error, CustomStringConvertible {
    let description: String
}
