import Foundation

/// Python's string methods as templates call them (`text.strip()`, `text.split(',')`).
enum StringMethods {
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    /// `str.strip(chars)`, `lstrip`, `rstrip`.
    static func strip(_ text: String, characters: String?, leading: Bool, trailing: Bool) -> String {
        let set = characters.map { Set($0.unicodeScalars) }
        let remove: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? isSpace($0) }
        var scalars = Array(text.unicodeScalars)[...]
        if leading { scalars = scalars.drop(while: remove) }
        if trailing { while let last = scalars.last, remove(last) { scalars.removeLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    /// `str.split(separator, maxsplit)`: on runs of whitespace without a separator.
    static func split(_ text: String, separator: String?, maxSplit: Int) throws -> [String] {
        let scalars = Array(text.unicodeScalars)
        var parts: [String] = []
        guard let separator else {
            var index = 0
            while index < scalars.count {
                while index < scalars.count && isSpace(scalars[index]) { index += 1 }
                guard index < scalars.count else { break }
                if maxSplit >= 0 && parts.count == maxSplit {
                    parts.append(strip(String(String.UnicodeScalarView(scalars[index...])), characters: nil, leading: false, trailing: true))
                    break
                }
                let start = index
                while index < scalars.count && !isSpace(scalars[index]) { index += 1 }
                parts.append(String(String.UnicodeScalarView(scalars[start..<index])))
            }
            return parts
        }
        let needle = Array(separator.unicodeScalars)
        guard !needle.isEmpty else { throw TemplateError.runtime(message: "empty separator") }
        var start = 0, index = 0
        while index + needle.count <= scalars.count && (maxSplit < 0 || parts.count < maxSplit) {
            if scalars[index..<(index + needle.count)].elementsEqual(needle) {
                parts.append(String(String.UnicodeScalarView(scalars[start..<index])))
                index += needle.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(String(String.UnicodeScalarView(scalars[start...])))
        return parts
    }

    /// `str.replace(old, new, count)`.
    static func replace(_ text: String, _ old: String, _ new: String, count: Int?) -> String {
        let scalars = Array(text.unicodeScalars), needle = Array(old.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0, done = 0
        let limit = count.map { $0 < 0 ? Int.max : $0 } ?? Int.max
        if needle.isEmpty {
            for scalar in scalars {
                if done < limit { result.append(contentsOf: new.unicodeScalars); done += 1 }
                result.append(scalar)
            }
            if done < limit { result.append(contentsOf: new.unicodeScalars) }
            return String(result)
        }
        while index < scalars.count {
            if done < limit, index + needle.count <= scalars.count, scalars[index..<(index + needle.count)].elementsEqual(needle) {
                result.append(contentsOf: new.unicodeScalars)
                index += needle.count
                done += 1
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return String(result)
    }

    /// `str.capitalize()`: the first character upper-cased, the rest lower-cased.
    static func capitalize(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return "" }
        return String(first).uppercased() + String(String.UnicodeScalarView(text.unicodeScalars.dropFirst())).lowercased()
    }

    /// `str.title()`: every word capitalized.
    static func title(_ text: String) -> String {
        var result = ""
        var previousIsLetter = false
        for scalar in text.unicodeScalars {
            let isLetter = scalar.properties.isAlphabetic
            result += isLetter ? (previousIsLetter ? String(scalar).lowercased() : String(scalar).uppercased()) : String(scalar)
            previousIsLetter = isLetter
        }
        return result
    }

    /// Jinja's `escape`: `& < > " '` as HTML entities.
    static func htmlEscape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&#34;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}

extension Interpreter {
    /// The method `name` of `value` bound to it, or `nil` if it has none. Lists and dicts are
    /// immutable, as in transformers' sandbox: only reading methods exist.
    func method(_ name: String, of value: Value) throws -> Value? {
        func bound(_ body: @escaping ([Value], [(String, Value)]) throws -> Value) -> Value {
            .function(Value.Function(name: name, call: body))
        }
        switch value {
        case let .string(text):
            switch name {
            case "strip", "lstrip", "rstrip":
                return bound { arguments, _ in
                    .string(StringMethods.strip(text, characters: arguments.first.flatMap { $0.isNone ? nil : $0.text },
                                                leading: name != "rstrip", trailing: name != "lstrip"))
                }
            case "split":
                return bound { arguments, keywords in
                    let separator = (arguments.first ?? keywords.first { $0.0 == "sep" }?.1).flatMap { $0.isNone ? nil : $0.text }
                    let maxSplit = (arguments.count > 1 ? arguments[1] : keywords.first { $0.0 == "maxsplit" }?.1)?.integer ?? -1
                    return .array(try StringMethods.split(text, separator: separator, maxSplit: maxSplit).map(Value.string))
                }
            case "startswith", "endswith":
                return bound { arguments, _ in
                    guard let argument = arguments.first else { throw TemplateError.runtime(message: "\(name) needs an argument") }
                    let candidates = (try? self.iterate(argument)).flatMap { argument.isString ? nil : $0 } ?? [argument]
                    return .bool(candidates.contains { candidate in
                        let affix = Array(candidate.text.unicodeScalars), scalars = Array(text.unicodeScalars)
                        return name == "startswith" ? scalars.starts(with: affix) : scalars.reversed().starts(with: affix.reversed())
                    })
                }
            case "upper": return bound { _, _ in .string(text.uppercased()) }
            case "lower": return bound { _, _ in .string(text.lowercased()) }
            case "title": return bound { _, _ in .string(StringMethods.title(text)) }
            case "capitalize": return bound { _, _ in .string(StringMethods.capitalize(text)) }
            case "replace":
                return bound { arguments, _ in
                    guard arguments.count >= 2 else { throw TemplateError.runtime(message: "replace needs two arguments") }
                    return .string(StringMethods.replace(text, arguments[0].text, arguments[1].text, count: arguments.count > 2 ? arguments[2].integer : nil))
                }
            case "find", "index", "count":
                return bound { arguments, _ in
                    guard let needle = arguments.first?.text else { throw TemplateError.runtime(message: "\(name) needs an argument") }
                    if name == "count" {
                        guard !needle.isEmpty else { return .int(text.unicodeScalars.count + 1) }
                        return .int(try StringMethods.split(text, separator: needle, maxSplit: -1).count - 1)
                    }
                    if let found = Self.find(needle, in: text) { return .int(found) }
                    if name == "index" { throw TemplateError.runtime(message: "substring not found") }
                    return .int(-1)
                }
            case "join":
                return bound { arguments, _ in
                    guard let items = arguments.first else { throw TemplateError.runtime(message: "join needs an argument") }
                    return .string(try self.iterate(items).map(\.text).joined(separator: text))
                }
            case "isdigit", "isalpha", "isspace", "isupper", "islower":
                return bound { _, _ in
                    let scalars = text.unicodeScalars
                    switch name {
                    case "isdigit": return .bool(!scalars.isEmpty && scalars.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit })
                    case "isalpha": return .bool(!scalars.isEmpty && scalars.allSatisfy { $0.properties.isAlphabetic })
                    case "isspace": return .bool(!scalars.isEmpty && scalars.allSatisfy(StringMethods.isSpace))
                    case "isupper": return .bool(text != text.lowercased() && text == text.uppercased())
                    default: return .bool(text != text.uppercased() && text == text.lowercased())
                    }
                }
            default: return nil
            }
        case let .object(dictionary):
            switch name {
            case "items": return bound { _, _ in .array(dictionary.members.map { .array([.string($0.0), $0.1]) }) }
            case "keys": return bound { _, _ in .array(dictionary.keys.map(Value.string)) }
            case "values": return bound { _, _ in .array(dictionary.members.map(\.1)) }
            case "get":
                return bound { arguments, _ in
                    guard let key = arguments.first else { throw TemplateError.runtime(message: "get needs a key") }
                    guard case let .string(name) = key else { return arguments.count > 1 ? arguments[1] : .none }
                    return dictionary[name] ?? (arguments.count > 1 ? arguments[1] : .none)
                }
            default: return nil
            }
        default:
            return nil
        }
    }
}

extension Value {
    var isString: Bool {
        if case .string = self { return true }
        return false
    }
}
