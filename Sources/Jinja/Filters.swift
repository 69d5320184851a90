/// Jinja's filters (`value | name(arguments)`), those chat templates use.
extension Interpreter {
    func applyFilter(_ name: String, to value: Value, arguments: [Value], keywords: [(String, Value)]) throws -> Value {
        func argument(_ index: Int, _ keyword: String) -> Value? {
            index < arguments.count ? arguments[index] : keywords.first { $0.0 == keyword }?.1
        }
        switch name {
        case "trim":
            if let characters = argument(0, "chars"), !characters.isNone {
                return .string(StringMethods.strip(value.text, characters: characters.text, leading: true, trailing: true))
            }
            return .string(value.text.trimmingWhitespace)
        case "upper": return .string(value.text.uppercased())
        case "lower": return .string(value.text.lowercased())
        case "capitalize": return .string(StringMethods.capitalize(value.text))
        case "title": return .string(StringMethods.title(value.text))
        case "string": return .string(value.text)
        case "safe", "e", "escape", "forceescape":
            return name == "safe" ? value : .string(StringMethods.htmlEscape(value.text))
        case "length", "count":
            switch value {
            case .undefined: return .int(0)
            case let .string(text): return .int(text.unicodeScalars.count)
            case let .array(items): return .int(items.count)
            case let .object(dictionary): return .int(dictionary.count)
            case let .namespace(namespace): return .int(namespace.attributes.count)
            default: throw TemplateError.runtime(message: "object of type '\(value.typeName)' has no len()")
            }
        case "default", "d":
            let fallback = argument(0, "default_value") ?? .string("")
            let boolean = argument(1, "boolean")?.isTruthy ?? false
            return value.isUndefined || (boolean && !value.isTruthy) ? fallback : value
        case "replace":
            guard let old = argument(0, "old"), let new = argument(1, "new") else {
                throw TemplateError.runtime(message: "replace needs the text to replace and its replacement")
            }
            let count = argument(2, "count")?.integer
            return .string(StringMethods.replace(value.text, old.text, new.text, count: count))
        case "join":
            let separator = argument(0, "d")?.text ?? ""
            var items = try iterate(value)
            if let attribute = argument(1, "attribute") { items = try items.map { try item(attribute, of: $0) } }
            return .string(items.map(\.text).joined(separator: separator))
        case "items":
            switch value {
            case .undefined: return .array([])
            case let .object(dictionary): return .array(dictionary.members.map { .array([.string($0.0), $0.1]) })
            default: throw TemplateError.runtime(message: "items needs a mapping, not \(value.typeName)")
            }
        case "tojson":
            let indent = argument(0, "indent")?.integer
            return .string(try JSONDump.dump(value, indent: indent, sortKeys: argument(2, "sort_keys")?.isTruthy ?? false))
        case "first":
            return try iterate(value).first ?? .undefined("first")
        case "last":
            return try iterate(value).last ?? .undefined("last")
        case "list":
            return .array(try iterate(value))
        case "reverse":
            if case let .string(text) = value { return .string(String(String.UnicodeScalarView(text.unicodeScalars.reversed()))) }
            return .array(try iterate(value).reversed())
        case "unique":
            var seen: [Value] = []
            for item in try iterate(value) where !seen.contains(where: { Value.equal($0, item) }) { seen.append(item) }
            return .array(seen)
        case "sort":
            let reverse = argument(0, "reverse")?.isTruthy ?? false
            let attribute = argument(2, "attribute")
            let items = try iterate(value)
            let keys = try items.map { element in try attribute.map { name in try self.item(name, of: element) } ?? element }
            var failure: Error?
            let order = items.indices.sorted { a, b in
                do {
                    let comparison = try Value.compare(keys[a], keys[b])
                    return reverse ? comparison > 0 : comparison < 0
                } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
            return .array(order.map { items[$0] })
        case "int":
            switch value {
            case let .string(text): return .int(Int(text.trimmingWhitespace) ?? Int(Double(text.trimmingWhitespace) ?? 0))
            case let .double(number): return .int(number.isFinite && abs(number) < 9e18 ? Int(number) : 0)
            default: return .int(value.integer ?? (argument(0, "default")?.integer ?? 0))
            }
        case "float":
            if case let .string(text) = value { return .double(Double(text.trimmingWhitespace) ?? 0) }
            return .double(value.number ?? 0)
        case "abs":
            if let integer = value.integer, integer != .min { return .int(abs(integer)) }
            guard let number = value.number else { throw TemplateError.runtime(message: "bad operand type for abs(): '\(value.typeName)'") }
            return .double(abs(number))
        case "round":
            guard let number = value.number else { throw TemplateError.runtime(message: "round needs a number") }
            let digits = argument(0, "precision")?.integer ?? 0
            let scale = Foundation.pow(10, Double(max(min(digits, 15), -15)))
            return .double((number * scale).rounded(.toNearestOrEven) / scale)
        case "indent":
            let width = argument(0, "width")
            let prefix = width.flatMap { $0.integer.map { String(repeating: " ", count: max(0, min($0, 1000))) } } ?? width?.text ?? "    "
            let first = argument(1, "first")?.isTruthy ?? false
            let lines = value.text.components(separatedBy: "\n")
            return .string(lines.enumerated().map { index, line in
                (index == 0 && !first) || line.isEmpty ? line : prefix + line
            }.joined(separator: "\n"))
        case "map":
            let items = try iterate(value)
            if let attribute = keywords.first(where: { $0.0 == "attribute" })?.1 {
                let fallback = keywords.first { $0.0 == "default" }?.1
                return .array(try items.map { item in
                    let found = try self.item(attribute, of: item)
                    return found.isUndefined ? fallback ?? found : found
                })
            }
            guard let filter = arguments.first?.text else { throw TemplateError.runtime(message: "map needs a filter name or attribute=") }
            return .array(try items.map { try applyFilter(filter, to: $0, arguments: Array(arguments.dropFirst()), keywords: []) })
        case "select", "reject":
            let keep = name == "select"
            return .array(try iterate(value).filter { item in
                guard let test = arguments.first?.text else { return item.isTruthy == keep }
                return try applyTest(test, to: item, arguments: Array(arguments.dropFirst())) == keep
            })
        case "selectattr", "rejectattr":
            let keep = name == "selectattr"
            guard let attribute = arguments.first else { throw TemplateError.runtime(message: "\(name) needs an attribute name") }
            return .array(try iterate(value).filter { element in
                let found = try self.item(attribute, of: element)
                guard arguments.count > 1 else { return found.isTruthy == keep }
                return try applyTest(arguments[1].text, to: found, arguments: Array(arguments.dropFirst(2))) == keep
            })
        case "batch":
            guard let size = argument(0, "linecount")?.integer, size > 0 else { throw TemplateError.runtime(message: "batch needs a positive size") }
            let items = try iterate(value)
            return .array(stride(from: 0, to: items.count, by: size).map { .array(Array(items[$0..<min($0 + size, items.count)])) })
        case "wordcount":
            return .int(value.text.split { $0.isWhitespace }.count)
        case "center":
            let width = argument(0, "width")?.integer ?? 80
            let text = value.text
            let padding = max(0, min(width, 100_000) - text.unicodeScalars.count)
            return .string(String(repeating: " ", count: padding / 2) + text + String(repeating: " ", count: padding - padding / 2))
        case "dictsort":
            guard case let .object(dictionary) = value else { throw TemplateError.runtime(message: "dictsort needs a mapping") }
            return .array(dictionary.members.sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }
                .map { .array([.string($0.0), $0.1]) })
        default:
            throw TemplateError.runtime(message: "no filter named '\(name)'")
        }
    }

    /// Jinja's tests (`value is name(arguments)`).
    func applyTest(_ name: String, to value: Value, arguments: [Value]) throws -> Bool {
        func other() throws -> Value {
            guard let first = arguments.first else { throw TemplateError.runtime(message: "the test '\(name)' needs an argument") }
            return first
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "string": if case .string = value { return true } else { return false }
        case "mapping": if case .object = value { return true } else { return false }
        case "number":
            switch value {
            case .int, .double: return true
            default: return false
            }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "sequence", "iterable":
            switch value {
            case .string, .array, .object: return true
            default: return false
            }
        case "callable": if case .function = value { return true } else { return false }
        case "even", "odd":
            guard let integer = value.integer else { throw TemplateError.runtime(message: "the test '\(name)' needs an integer") }
            return (integer % 2 == 0) == (name == "even")
        case "divisibleby":
            guard let integer = value.integer, let divisor = try other().integer, divisor != 0 else {
                throw TemplateError.runtime(message: "divisibleby needs integers and a divisor other than 0")
            }
            return integer % divisor == 0
        case "eq", "equalto", "==": return Value.equal(value, try other())
        case "ne", "!=": return !Value.equal(value, try other())
        case "lt", "lessthan", "<": return try Value.compare(value, try other()) < 0
        case "le", "<=": return try Value.compare(value, try other()) <= 0
        case "gt", "greaterthan", ">": return try Value.compare(value, try other()) > 0
        case "ge", ">=": return try Value.compare(value, try other()) >= 0
        case "in": return try contains(try other(), value)
        case "sameas":
            let target = try other()
            switch (value, target) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.namespace(a), .namespace(b)): return a === b
            default: return false
            }
        case "lower": return value.text == value.text.lowercased()
        case "upper": return value.text == value.text.uppercased()
        case "escaped": return false
        default: throw TemplateError.runtime(message: "no test named '\(name)'")
        }
    }
}

import Foundation
