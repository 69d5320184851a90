/// Typed reads of an `adapter_config.json` object; errors name the field.
struct JSONFieldReader {
    let values: [String: JSONValue]

    init(values: [String: JSONValue]) {
        self.values = values
    }

    /// A reader of a config object (the last of repeated keys wins), or an error if `json` is no object.
    init(object json: JSONValue) throws {
        guard let members = json.members else { throw TunerError.invalidValue(field: "adapter_config.json", reason: "must be a JSON object") }
        values = Dictionary(members, uniquingKeysWith: { _, last in last })
    }

    /// The members of `json` whose keys are in none of `known`, in file order: a newer PEFT's fields.
    static func unknownMembers(of json: JSONValue, known: Set<String>) -> [(key: String, value: JSONValue)] {
        (json.members ?? []).filter { !known.contains($0.key) }
    }

    /// The value of `key`, or nil when it is missing or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = values[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws -> String? {
        guard let value = value(key) else { return nil }
        guard case let .string(text) = value else { throw TunerError.invalidValue(field: key, reason: "must be a string, not \(value.typeName)") }
        return text
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard case let .bool(flag) = value else { throw TunerError.invalidValue(field: key, reason: "must be true or false, not \(value.typeName)") }
        return flag
    }

    func double(_ key: String) throws -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.doubleValue else { throw TunerError.invalidValue(field: key, reason: "must be a number, not \(value.typeName)") }
        return number
    }

    func int(_ key: String) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard let number = value.doubleValue, let integer = Int(exactly: number) else {
            throw TunerError.invalidValue(field: key, reason: "must be an integer, not \(value.typeName)")
        }
        return integer
    }

    func strings(_ key: String) throws -> [String]? {
        guard let value = value(key) else { return nil }
        guard case let .array(items) = value else { throw TunerError.invalidValue(field: key, reason: "must be a list of names") }
        return try items.map {
            guard case let .string(text) = $0 else { throw TunerError.invalidValue(field: key, reason: "must be a list of names") }
            return text
        }
    }

    /// An integer or a list of integers; the flag says it was a single integer.
    func intOrInts(_ key: String) throws -> ([Int]?, Bool) {
        guard let value = value(key) else { return (nil, false) }
        if case .array(let items) = value {
            return (try items.map {
                guard let n = $0.doubleValue, let i = Int(exactly: n) else { throw TunerError.invalidValue(field: key, reason: "must list layer indices (integers)") }
                return i
            }, false)
        }
        return ([try int(key)!], true)
    }

    /// A string or a list of strings; the flag says it was a single string.
    func stringOrStrings(_ key: String) throws -> ([String]?, Bool) {
        guard let value = value(key) else { return (nil, false) }
        if case .string(let text) = value { return ([text], true) }
        return (try strings(key), false)
    }

    /// An object mapping regex keys to numbers, in file order.
    func pattern(_ key: String) throws -> [(key: String, value: Double)] {
        guard let value = value(key) else { return [] }
        guard let members = value.members else { throw TunerError.invalidValue(field: key, reason: "must be an object mapping module-name patterns to numbers") }
        return try members.map { name, entry in
            guard let number = entry.doubleValue else { throw TunerError.invalidValue(field: key, reason: "the value for \(name) must be a number") }
            return (name, number)
        }
    }
}
