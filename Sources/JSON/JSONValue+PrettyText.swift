/// JSON text printed the way both serde_json's pretty printer (which writes `tokenizer.json`)
/// and Python's `json.dumps(indent=2)` (which writes transformers' configs) print.
extension JSONValue {
    /// The JSON text: two-space indentation, `"key": value`, members in the order given, `{}` and
    /// `[]` when empty.
    public var prettyText: String {
        var out = ""
        write(into: &out, indent: "")
        return out
    }

    private func write(into out: inout String, indent: String) {
        switch self {
        case let .object(members):
            guard !members.isEmpty else { out += "{}"; return }
            let inner = indent + "  "
            out += "{\n"
            for (index, (key, value)) in members.enumerated() {
                out += inner + JSONString.quoted(key) + ": "
                value.write(into: &out, indent: inner)
                out += index + 1 < members.count ? ",\n" : "\n"
            }
            out += indent + "}"
        case let .array(elements):
            guard !elements.isEmpty else { out += "[]"; return }
            let inner = indent + "  "
            out += "[\n"
            for (index, element) in elements.enumerated() {
                out += inner
                element.write(into: &out, indent: inner)
                out += index + 1 < elements.count ? ",\n" : "\n"
            }
            out += indent + "]"
        case let .string(value): out += JSONString.quoted(value)
        case let .bool(value): out += value ? "true" : "false"
        case .null: out += "null"
        case let .number(literal): out += literal
        }
    }
}
