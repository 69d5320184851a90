/// Typed reads of the members of one JSON object, the one field reader of lorakit: every config,
/// `tokenizer.json` and recipe is read through it. A missing key and JSON `null` read as nil; a value
/// of the wrong kind is an error that names the field (dotted from the file's top, `post_processor.
/// special_tokens`) and what it must be. Each target supplies `problem`, which turns the field and
/// the reason into its own error naming the file.
public struct JSONFieldReader {
    /// Makes the error for a `field` (dotted path) whose value is wrong for `reason`.
    public typealias Problem = (_ field: String, _ reason: String) -> Error

    /// The object's members by key (the last of repeated keys wins, as Python's `json.load` keeps it).
    public let values: [String: JSONValue]
    /// Dotted location of this object inside the file (`""` for the top level).
    public let location: String
    /// The file being read, for messages (may be empty when `problem` names it).
    public let source: String
    /// The error a wrong field raises.
    public let problem: Problem

    public init(values: [String: JSONValue], location: String = "", source: String = "", problem: @escaping Problem) {
        self.values = values
        self.location = location
        self.source = source
        self.problem = problem
    }

    /// A reader of the object `json`, or the error `problem(name, "must be a JSON object")`.
    public init(object json: JSONValue, name: String, location: String = "", source: String = "", problem: @escaping Problem) throws {
        guard let members = json.members else { throw problem(name, "must be a JSON object") }
        self.init(values: Dictionary(members, uniquingKeysWith: { _, last in last }), location: location, source: source, problem: problem)
    }

    /// The members of `json` whose keys are in none of `known`, in file order: a newer version's fields.
    public static func unknownMembers(of json: JSONValue, known: Set<String>) -> [(key: String, value: JSONValue)] {
        (json.members ?? []).filter { !known.contains($0.key) }
    }

    /// The dotted name of `key` inside this object.
    public func fieldName(_ key: String) -> String {
        location.isEmpty ? key : "\(location).\(key)"
    }

    /// The error for `key` whose value is wrong for `reason`.
    public func invalid(_ key: String, _ reason: String) -> Error {
        problem(fieldName(key), reason)
    }

    /// The value of `key`, or nil when it is missing or null.
    public func value(_ key: String) -> JSONValue? {
        guard let value = values[key], !value.isNull else { return nil }
        return value
    }

    /// Whether `key` is missing or null.
    public func isNull(_ key: String) -> Bool {
        value(key) == nil
    }

    /// `read(key)`, or an error saying that the key is required.
    public func required<T>(_ key: String, _ read: (String) throws -> T?) throws -> T {
        guard let value = try read(key) else { throw invalid(key, "is missing; it is required") }
        return value
    }

    public func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard case let .string(text) = value else { throw invalid(key, "must be a string, not \(value.typeName)") }
        return text
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard case let .bool(flag) = value else { throw invalid(key, "must be true or false, not \(value.typeName)") }
        return flag
    }

    public func double(_ key: String) throws -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.doubleValue else { throw invalid(key, "must be a number, not \(value.typeName)") }
        return number
    }

    /// An integer: a JSON number with an integral value (`4` or `4.0`, as Python compares them).
    public func int(_ key: String) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard let integer = Self.integer(value) else { throw invalid(key, "must be an integer, not \(value.typeName)") }
        return integer
    }

    public func strings(_ key: String) throws -> [String]? {
        guard let value = value(key) else { return nil }
        guard case let .array(items) = value else { throw invalid(key, "must be a list of names") }
        return try items.map {
            guard case let .string(text) = $0 else { throw invalid(key, "must be a list of names") }
            return text
        }
    }

    /// A list of numbers.
    public func doubles(_ key: String) throws -> [Double]? {
        guard let value = value(key) else { return nil }
        guard case let .array(items) = value else { throw invalid(key, "must be a list of numbers, not \(value.typeName)") }
        return try items.map {
            guard let number = $0.doubleValue else { throw invalid(key, "must be a list of numbers") }
            return number
        }
    }

    /// An integer or a list of integers; the flag says it was a single integer.
    public func intOrInts(_ key: String) throws -> ([Int]?, Bool) {
        guard let value = value(key) else { return (nil, false) }
        if case .array(let items) = value {
            return (try items.map {
                guard let i = Self.integer($0) else { throw invalid(key, "must list layer indices (integers)") }
                return i
            }, false)
        }
        return ([try required(key, int)], true)
    }

    /// A string or a list of strings; the flag says it was a single string.
    public func stringOrStrings(_ key: String) throws -> ([String]?, Bool) {
        guard let value = value(key) else { return (nil, false) }
        if case .string(let text) = value { return ([text], true) }
        return (try strings(key), false)
    }

    /// An object mapping regex keys to numbers, in file order.
    public func pattern(_ key: String) throws -> [(key: String, value: Double)] {
        guard let value = value(key) else { return [] }
        guard let members = value.members else { throw invalid(key, "must be an object mapping module-name patterns to numbers") }
        return try members.map { name, entry in
            guard let number = entry.doubleValue else { throw invalid(key, "the value for \(name) must be a number") }
            return (name, number)
        }
    }

    /// The elements of the array at `key`.
    public func array(_ key: String) throws -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case let .array(items) = value else { throw invalid(key, "must be an array, not \(value.typeName)") }
        return items
    }

    /// A reader of the object at `key`, with the same file and error.
    public func fields(_ key: String) throws -> JSONFieldReader? {
        guard let value = value(key) else { return nil }
        return try JSONFieldReader(object: value, name: fieldName(key), location: fieldName(key), source: source, problem: problem)
    }

    /// Readers of the elements of the array at `key`, each of which must be an object.
    public func arrayOfFields(_ key: String) throws -> [JSONFieldReader]? {
        try array(key)?.enumerated().map { index, element in
            let name = fieldName("\(key)[\(index)]")
            return try JSONFieldReader(object: element, name: name, location: name, source: source, problem: problem)
        }
    }

    /// `value` as an `Int` if it is a number with an integral value that fits.
    public static func integer(_ value: JSONValue) -> Int? {
        guard let number = value.doubleValue, abs(number) < 0x1p62 else { return nil }
        return Int(exactly: number)
    }
}
