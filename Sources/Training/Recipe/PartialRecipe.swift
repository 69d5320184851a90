import Foundation
import JSON
import Models
import Yams

/// Recipe keys given so far, each value as YAML reads it: what a recipe file holds, what
/// `lorakit train --set key=value` changes, and the training settings the workbench keeps.
/// `Recipe(_:source:)` completes and checks it; `yaml(order:)` writes it as a recipe file that reads
/// back to the same values.
public struct PartialRecipe: Equatable, Sendable {
    /// The values by recipe key.
    public private(set) var values: [String: JSONValue]

    /// A partial recipe of `values` as they are (`Recipe(_:source:)` checks their keys).
    public init(_ values: [String: JSONValue] = [:]) {
        self.values = values
    }

    /// The mapping of a recipe file's YAML text; errors name `source`.
    public init(yaml: String, source: String) throws {
        let loaded: Any?
        do { loaded = try Yams.load(yaml: yaml) } catch {
            throw RecipeError("\(source): not valid YAML (\(error)); a recipe is a mapping of keys to values")
        }
        guard let mapping = (loaded ?? [String: Any]()) as? [String: Any] else {
            throw RecipeError("\(source): a recipe must be a mapping of keys to values, such as `model: builtin:tiny-llama`")
        }
        values = mapping.mapValues(Self.value(plain:))
    }

    /// The value of `key`, or nil when it is not given. Setting nil removes the key.
    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Sets `key` to `text` read as a YAML value (`16`, `cosine`, `[0.9, 0.95]`, `true`; a JSON number
    /// such as `1e-4` is that number, kept as written); empty text removes the key, leaving it to the recipe's default.
    /// The one reader of `key=value`: `lorakit train --set` and the workbench's `train` and
    /// `recipe set` go through it. An unknown key is refused with the closest known one.
    public mutating func apply(key: String, value text: String) throws {
        if let problem = Self.unknownKeyProblem(key) { throw RecipeError(problem) }
        guard !text.isEmpty else {
            values[key] = nil
            return
        }
        if case let .number(literal)? = try? JSONParser.parse(text.utf8) {
            values[key] = .number(literal)
            return
        }
        let loaded: Any? = (try? Yams.load(yaml: text)) ?? nil
        values[key] = Self.value(plain: loaded ?? text)
    }

    /// `apply(key:value:)` of one `--set key=value`; errors name the setting.
    public mutating func apply(_ setting: String) throws {
        guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
            throw RecipeError("--set \(setting): write it as key=value, for example --set lr=1e-4")
        }
        do {
            try apply(key: String(setting[..<equals]), value: String(setting[setting.index(after: equals)...]))
        } catch let error as RecipeError {
            throw RecipeError("--set \(setting): \(error.message)")
        }
    }

    /// `key`'s value as one writes it after `key=` (and reads it back the same), or nil when not given.
    public func text(of key: String) -> String? {
        values[key].map { Self.yamlText($0) }
    }

    /// The recipe file: a `key: value` line for each key, those in `order` first and the others
    /// sorted after them; an object (the inline adapter config) spreads over indented lines.
    public func yaml(order: [String] = []) -> String {
        let keys = order.filter { values[$0] != nil } + values.keys.filter { !order.contains($0) }.sorted()
        return keys.compactMap { key in
            values[key].map { value in
                "\(key): " + (value.members != nil ? value.pythonJSONText(indent: 2) : Self.yamlText(value))
            }
        }.joined(separator: "\n") + "\n"
    }

    /// Why `key` is no recipe key (with the closest one), or nil when it is one.
    static func unknownKeyProblem(_ key: String) -> String? {
        guard !Recipe.keys.contains(key) else { return nil }
        return "unknown key \"\(key)\"" + (EditDistance.suggestion(for: key, among: Recipe.keys).map { "; did you mean \($0)?" } ?? "")
    }

    /// A value as the YAML reader gives it, as JSON; text spelling a JSON number (a quoted `"1e-4"`)
    /// is that number.
    static func value(plain: Any) -> JSONValue {
        let value = JSONValue(plain: plain) ?? .string("\(plain)")
        if case let .string(text) = value, case let .number(literal)? = try? JSONParser.parse(text.utf8) { return .number(literal) }
        return value
    }

    /// `value` as YAML on one line that reads back as `value`: text plain where YAML reads it back
    /// as the same text, else double-quoted; lists and objects in flow style.
    static func yamlText(_ value: JSONValue, inFlow: Bool = false) -> String {
        switch value {
        case let .string(text):
            let plain = !inFlow && !text.isEmpty && ((try? Yams.load(yaml: text)) as? String) == text
            return plain ? text : JSONString.quoted(text)
        case let .array(items):
            return "[" + items.map { yamlText($0, inFlow: true) }.joined(separator: ", ") + "]"
        case let .object(members):
            return "{" + members.map { JSONString.quoted($0.key) + ": " + yamlText($0.value, inFlow: true) }.joined(separator: ", ") + "}"
        default:
            return value.description
        }
    }
}
