/// A JSON value, the one representation of JSON in lorakit. Objects keep their members in file order
/// (so duplicate names can be reported, `rank_pattern` keys tried in order, and unknown keys
/// round-trip unchanged) and numbers keep their literal text (so `4`, `4.0` and `1e99` can be told
/// apart when an exact integer is required).
public enum JSONValue: Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// A JSON number for an integer.
    public static func int(_ value: Int) -> JSONValue { .number(String(value)) }

    /// A JSON number for a floating-point value, spelled as Python's `repr` spells it (`0.0`, `1e-05`).
    public static func double(_ value: Double) -> JSONValue { .number(value.description) }

    /// A JSON number that is an integer when `value` is integral (PEFT writes `lora_alpha: 16`).
    public static func number(_ value: Double) -> JSONValue {
        value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .double(value)
    }

    /// A list of strings.
    public static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    /// The value if it is a JSON integer literal (no fraction, no exponent) that fits in `Int`.
    public var integer: Int? {
        guard case let .number(text) = self else { return nil }
        return Int(text)
    }

    /// The value as a number, if it is one.
    public var doubleValue: Double? {
        if case let .number(text) = self { return Double(text) }
        return nil
    }

    /// The members of an object, or nil.
    public var members: [(key: String, value: JSONValue)]? {
        if case let .object(members) = self { return members }
        return nil
    }

    /// The text of a string, or nil.
    public var stringValue: String? {
        if case let .string(text) = self { return text }
        return nil
    }

    /// The elements of an array, or nil.
    public var elements: [JSONValue]? {
        if case let .array(elements) = self { return elements }
        return nil
    }

    /// Whether the value is JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value of the last member named `key` of an object (as Python's `json.load` keeps it), or nil.
    public subscript(key: String) -> JSONValue? {
        members?.last { $0.key == key }?.value
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
}
