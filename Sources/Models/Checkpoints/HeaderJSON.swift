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
}
