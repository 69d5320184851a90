/// A value of the template language, with Python's semantics (Jinja evaluates Python objects):
/// truthiness, `str()`, equality and ordering as Python has them.
public enum Value {
    /// A name or item that does not exist (Jinja's `Undefined`): prints as nothing, is false,
    /// and fails when used further.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object(Dictionary)
    /// A `namespace()`, whose attributes can be set from inside loops.
    case namespace(Namespace)
    /// A function, macro or bound method.
    case function(Function)

    /// Python's `dict` with string keys: members keep their insertion order.
    public struct Dictionary {
        public private(set) var keys: [String] = []
        private var storage: [String: Value] = [:]

        public init(_ members: [(String, Value)] = []) {
            keys.reserveCapacity(members.count)
            for (key, value) in members { self[key] = value }
        }

        public subscript(key: String) -> Value? {
            get { storage[key] }
            set {
                if storage[key] == nil, newValue != nil { keys.append(key) }
                if newValue == nil, storage[key] != nil { keys.removeAll { $0 == key } }
                storage[key] = newValue
            }
        }

        public var members: [(String, Value)] { keys.map { ($0, storage[$0]!) } }
        public var count: Int { keys.count }
    }

    /// The mutable attributes of a `namespace()`.
    public final class Namespace {
        var attributes: Dictionary

        init(_ attributes: Dictionary) {
            self.attributes = attributes
        }
    }

    /// A callable: positional and keyword arguments in, a value out.
    public final class Function {
        let name: String
        let call: ([Value], [(String, Value)]) throws -> Value

        public init(name: String, call: @escaping ([Value], [(String, Value)]) throws -> Value) {
            self.name = name
            self.call = call
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// Python's truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case let .bool(value): return value
        case let .int(value): return value != 0
        case let .double(value): return value != 0
        case let .string(value): return !value.isEmpty
        case let .array(values): return !values.isEmpty
        case let .object(dictionary): return dictionary.count > 0
        case .namespace, .function: return true
        }
    }

    /// The name of the value's Python type, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .object: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        }
    }

    /// Python's `str()`.
    var text: String {
        switch self {
        case .undefined: return ""
        case let .string(value): return value
        default: return repr
        }
    }

    /// Python's `repr()`.
    var repr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case let .bool(value): return value ? "True" : "False"
        case let .int(value): return String(value)
        case let .double(value): return Self.pythonFloat(value)
        case let .string(value): return Self.pythonQuoted(value)
        case let .array(values): return "[" + values.map(\.repr).joined(separator: ", ") + "]"
        case let .object(dictionary):
            return "{" + dictionary.members.map { Self.pythonQuoted($0.0) + ": " + $0.1.repr }.joined(separator: ", ") + "}"
        case let .namespace(namespace): return "<Namespace " + Value.object(namespace.attributes).repr + ">"
        case let .function(function): return "<function \(function.name)>"
        }
    }

    /// Python's `repr()` of a float: the shortest text that reads back, always with a point or exponent.
    static func pythonFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        let text = "\(value)"
        return text
    }

    /// Python's `repr()` of a string: single quotes unless it holds one and no double quote.
    static func pythonQuoted(_ string: String) -> String {
        let quote: Character = string.contains("'") && !string.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where Character(scalar) == quote: out += "\\" + String(quote)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out.append(quote)
        return out
    }
}
