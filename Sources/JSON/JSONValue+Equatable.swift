extension JSONValue: Equatable {
    /// Equality as Python compares the values `json.load` gives: numbers by value (`4 == 4.0`),
    /// objects as dictionaries (member order aside, the last of repeated keys counts), arrays
    /// element by element; a boolean is never equal to a number.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.number(a), .number(b)): return a == b || (Double(a).map { $0 == Double(b) } ?? false)
        case let (.string(a), .string(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            let left = Dictionary(a, uniquingKeysWith: { _, last in last }), right = Dictionary(b, uniquingKeysWith: { _, last in last })
            return left == right
        default: return false
        }
    }
}
