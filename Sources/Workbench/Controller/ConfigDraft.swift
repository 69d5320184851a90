import Foundation
import JSON
import Models
import Tuners

/// The adapter config being edited: the values the user set (JSON values by PEFT key) over the
/// method's defaults. It becomes a validated PEFT config with the target rules filled in, and
/// reports PEFT's validation message for a value before it is set.
public struct ConfigDraft: Equatable, Sendable {
    public internal(set) var method = PeftMethod.lora
    /// The names of the methods `method` chooses from (every registered one).
    static var methodNames: [String] { PeftMethods.all.map(\.name) }

    /// Values the user set, by key.
    public internal(set) var values: [String: JSONValue] = [:]

    /// `key`'s current value: the one set, else the method's default (null for no field of it).
    public func json(of key: String) -> JSONValue {
        values[key] ?? json(ofDefault: key)
    }

    /// Whether `key`'s value differs from the method's default (a value set equal to it does not).
    public func isChanged(_ key: String) -> Bool {
        values[key].map { $0 != json(ofDefault: key) } ?? false
    }

    /// The method's default of `key` (null for no field of it).
    private func json(ofDefault key: String) -> JSONValue {
        method.fields.first { $0.key == key }?.defaultValue ?? .null
    }

    /// The JSON text of `key`'s current value.
    public func value(of key: String) -> String { json(of: key).description }

    /// The field `key`, or an error with the closest field name.
    func field(_ key: String, command: String) throws -> ConfigField {
        guard let field = method.fields.first(where: { $0.key == key }) else {
            throw CommandError.unknown(command, what: "\(method.name) config key", word: key, valid: method.fields.map(\.key))
        }
        return field
    }

    /// The value of what the user typed after `config set KEY`: one JSON value as written (`16`,
    /// `true`, `["a","b"]`, `null`), a bare word as a string, several words as a list (unless
    /// together they are one JSON list or object).
    static func parseValue(_ words: [String]) -> JSONValue {
        func one(_ word: String) -> JSONValue { (try? JSONParser.parse(word.utf8)) ?? .string(word) }
        // Words that together are one JSON list or object (`[[0, 2], [1, 2]]` typed with spaces) are that value.
        if words.count > 1, let whole = try? JSONParser.parse(words.joined(separator: " ").utf8), whole.elements != nil || whole.members != nil {
            return whole
        }
        return words.count == 1 ? one(words[0]) : .array(words.map(one))
    }

    /// The words of a value typed into the config form, split as `config set` splits them (`null`
    /// when empty, as the form sends it).
    static func words(typed text: String) throws -> [String] {
        let words = try CommandWords.split(text)
        return words.isEmpty ? ["null"] : words
    }

    /// The config: the draft's values, the target rules, the model's task when none is set, and
    /// (AdaLoRA) `total_step` from the run's `max_steps` when none is set; validated as PEFT
    /// validates it. Errors name the field.
    func peftConfig(rules: TargetRules, task: ModelTask?, totalStep: Int?) throws -> any PeftConfig {
        var members = values
        members["peft_type"] = .string(method.peftType.rawValue)
        if let task, values["task_type"] == nil { members["task_type"] = .string(task.rawValue) }
        members["target_modules"] = rules.targetModules.map(Self.json(targets:)) ?? .null
        members["exclude_modules"] = rules.excludeModules.map(Self.json(targets:)) ?? .null
        do {
            return try PeftConfigs.config(json: .object(members.sorted { $0.key < $1.key }), totalStepIfMissing: totalStep)
        } catch let error as TunerError {
            throw ConfigProblem(description: error.description)
        }
    }

    /// The `target_modules` JSON for a rule set.
    private static func json(targets: TargetModules) -> JSONValue {
        switch targets {
        case let .names(names): return .strings(names)
        case let .pattern(pattern): return .string(pattern)
        case .allLinear: return .string(TargetRules.allLinear)
        }
    }

    /// PEFT's validation message for the draft with `key` set to `value` (or, for a field PEFT
    /// needs, that null is no value), or nil when it is valid.
    public func problem(setting key: String, to value: JSONValue, rules: TargetRules, totalStep: Int?) -> String? {
        if value.isNull, let field = method.fields.first(where: { $0.key == key }), !field.defaultValue.isNull {
            return "\(key) needs a value; null is not one (PEFT's default is \(field.defaultValue); `config unset \(key)` restores it)"
        }
        var candidate = self
        candidate.values[key] = value
        do {
            _ = try candidate.peftConfig(rules: rules, task: nil, totalStep: totalStep)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The draft of `config`: its method, and each field that differs from the method's default.
    init(_ config: any PeftConfig) {
        method = PeftMethods.method(config.peftType) ?? .lora
        let given = Dictionary(config.json.members ?? [], uniquingKeysWith: { _, last in last })
        for field in method.fields where !["target_modules", "exclude_modules"].contains(field.key) {
            let value = given[field.key] ?? .null
            if value != field.defaultValue { values[field.key] = value }
        }
    }

    /// A draft of the default method (LoRA) with every field at PEFT's default.
    init() {}
}

/// A config value PEFT refuses, described as PEFT describes it (`r: ...`).
struct ConfigProblem: Error, CustomStringConvertible {
    let description: String
}
