import JSON
/// Python's `json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=...)`, which
/// transformers' `tojson` filter calls.
enum JSONDump {
    static func dump(_ value: Value, indent: Int?, sortKeys: Bool) throws -> String {
        var out = ""
        try write(value, into: &out, indent: indent.map { String(repeating: " ", count: max(0, min($0, 100))) }, level: 0, sortKeys: sortKeys)
        return out
    }

    private static func write(_ value: Value, into out: inout String, indent: String?, level: Int, sortKeys: Bool) throws {
        guard level < 200 else { throw TemplateError.runtime(message: "tojson: nesting too deep") }
        let newline = indent.map { "\n" + String(repeating: $0, count: level + 1) }
        let closing = indent.map { "\n" + String(repeating: $0, count: level) } ?? ""
        let separator = indent == nil ? ", " : ","
        switch value {
        case .undefined(let name):
            throw TemplateError.runtime(message: "tojson: '\(name)' is undefined")
        case .none: out += "null"
        case let .bool(flag): out += flag ? "true" : "false"
        case let .int(number): out += String(number)
        case let .double(number):
            out += number.isNaN ? "NaN" : number.isInfinite ? (number > 0 ? "Infinity" : "-Infinity") : Value.pythonFloat(number)
        case let .string(text): out += JSONString.quoted(text)
        case let .array(items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += separator }
                out += newline ?? ""
                try write(item, into: &out, indent: indent, level: level + 1, sortKeys: sortKeys)
            }
            out += closing + "]"
        case let .object(dictionary):
            try writeObject(dictionary, into: &out, indent: indent, level: level, sortKeys: sortKeys, newline: newline, closing: closing, separator: separator)
        case let .namespace(namespace):
            try writeObject(namespace.attributes, into: &out, indent: indent, level: level, sortKeys: sortKeys, newline: newline, closing: closing, separator: separator)
        case let .function(function):
            throw TemplateError.runtime(message: "tojson: the function \(function.name) is not JSON serializable")
        }
    }

    private static func writeObject(_ dictionary: Value.Dictionary, into out: inout String, indent: String?, level: Int, sortKeys: Bool,
                                    newline: String?, closing: String, separator: String) throws {
        guard dictionary.count > 0 else { out += "{}"; return }
        var members = dictionary.members
        if sortKeys { members.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } }
        out += "{"
        for (index, (key, item)) in members.enumerated() {
            if index > 0 { out += separator }
            out += (newline ?? "") + JSONString.quoted(key) + ": "
            try write(item, into: &out, indent: indent, level: level + 1, sortKeys: sortKeys)
        }
        out += closing + "}"
    }

}
