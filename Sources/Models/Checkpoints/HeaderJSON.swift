/// A JSON value as the safetensors header and the shard index hold it. Objects keep their members in
/// file order (so duplicate names can be reported) and numbers keep their literal text (so `4`, `4.0`
/// and `1e99` can be told apart when an exact integer is required).
public enum HeaderJSON {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// The value if it is a JSON integer literal (no fraction, no exponent) that fits in `Int`.
    public var integer: Int? {
        guard case let .number(text) = self else { return nil }
        return Int(text)
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case let .number(text): return "the number \(text)"
        case .bool: return "a boolean"
        case .null: return "null"
        }
    }

    /// The JSON text of `string` as a quoted literal, escaped the way serde_json (and so the Python
    /// `safetensors` package) escapes it: quote, backslash and control characters only.
    static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
