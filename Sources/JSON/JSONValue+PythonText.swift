extension JSONValue {
    /// The value as text, as Python's `json.dumps(indent=2, sort_keys=True)` writes it (what PEFT's
    /// `PeftConfig.save_pretrained` produces).
    public func pythonJSONText(indent: Int = 0) -> String {
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
