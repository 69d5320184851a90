extension JSONValue: CustomStringConvertible {
    /// The value as JSON text on one line, as Python's `json.dumps` writes it by default
    /// (`["q_proj", "v_proj"]`, `{"a": 1}`, numbers as written), members in the order given.
    public var description: String {
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .number(text): return text
        case let .string(text): return JSONString.quoted(text)
        case let .array(items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .object(members): return "{" + members.map { JSONString.quoted($0.key) + ": " + $0.value.description }.joined(separator: ", ") + "}"
        }
    }
}
