import Foundation
import Models

/// A JSON value with object members in file order and numbers kept as written, as the adapter config
/// files need: `rank_pattern` keys are tried in order, and unknown keys must round-trip unchanged.
public typealias JSONValue = HeaderJSON

extension HeaderJSON {
    /// Parses JSON text; the error names `path`.
    static func parse(_ data: Data, path: String) throws -> JSONValue {
        do {
            return try data.withUnsafeBytes { try HeaderJSONParser.parse($0) }
        } catch let failure as HeaderJSONParser.Failure {
            throw TunerError.invalidConfig(path: path, reason: "not valid JSON: \(failure.reason)")
        }
    }

    /// A JSON number for an integer.
    static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    /// A JSON number for a floating-point value, spelled as Python's `repr` spells it (`0.0`, `1e-05`).
    static func double(_ value: Double) -> JSONValue { .number(value.description) }

    /// A JSON number that is an integer when `value` is integral (PEFT writes `lora_alpha: 16`).
    static func number(_ value: Double) -> JSONValue {
        value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .double(value)
    }

    /// A list of strings.
    static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    /// The members of an object, or nil.
    var members: [(key: String, value: JSONValue)]? {
        if case let .object(members) = self { return members }
        return nil
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as a number, if it is one.
    var doubleValue: Double? {
        if case let .number(text) = self { return Double(text) }
        return nil
    }

    /// The value as text, as Python's `json.dumps(indent=2, sort_keys=True)` writes it (what PEFT's
    /// `PeftConfig.save_pretrained` produces).
    func pythonJSONText(indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent + 2), end = String(repeating: " ", count: indent)
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .number(text): return text
        case let .string(text): return Self.pythonQuoted(text)
        case let .array(items):
            guard !items.isEmpty else { return "[]" }
            return "[\n" + items.map { pad + $0.pythonJSONText(indent: indent + 2) }.joined(separator: ",\n") + "\n\(end)]"
        case let .object(members):
            guard !members.isEmpty else { return "{}" }
            let sorted = members.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
            return "{\n" + sorted.map { pad + Self.pythonQuoted($0.key) + ": " + $0.value.pythonJSONText(indent: indent + 2) }
                .joined(separator: ",\n") + "\n\(end)}"
        }
    }

    /// A string literal escaped as Python's `json` module does with `ensure_ascii=True`.
    private static func pythonQuoted(_ text: String) -> String {
        var out = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20 ..< 0x7F: out.unicodeScalars.append(Unicode.Scalar(unit)!)
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }
}
