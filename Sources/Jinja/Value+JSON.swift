import JSON

extension Value {
    /// The template value of JSON data, as Python's `json.load` gives it: objects keep their members
    /// in the order the text gives them (so `tojson` and `items` see that order), integer literals
    /// that fit are `int`, other numbers `float`, `null` is `None`.
    public init(json: JSONValue) {
        switch json {
        case let .object(members): self = .object(Dictionary(members.map { ($0.key, Value(json: $0.value)) }))
        case let .array(elements): self = .array(elements.map(Value.init(json:)))
        case let .string(text): self = .string(text)
        case let .bool(flag): self = .bool(flag)
        case .null: self = .none
        case .number:
            if let integer = json.integer { self = .int(integer) } else { self = .double(json.doubleValue ?? .nan) }
        }
    }

    /// The template value of the JSON text `data`, or a `JSONParser.Failure` naming the byte where
    /// the text stops being JSON.
    public static func parsingJSON(_ data: some Sequence<UInt8>) throws -> Value {
        Value(json: try JSONParser.parse(data))
    }
}
